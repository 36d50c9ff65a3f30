# kd_project_warnings(target): warnings as errors on the project's own code (not on dependencies).
function(kd_project_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror -Wno-unused-parameter)
endfunction()
