# The Debian package: `cmake --build build --target package` (CPack) makes
# build/kalshi-direct_<version>_<arch>.deb with
#   /usr/bin/kalshi-direct                      the binary (the dashboard's assets are inside)
#   /usr/share/kalshi-direct/pipelines/         the shipped pipelines, found there by name
#   /usr/include/kalshi_direct/, /usr/lib/cmake/KalshiDirect/   the SDK for drop-in plugins
#   /usr/share/man/man1/kalshi-direct.1.gz      the man page, generated from --help (help2man)
#   /usr/lib/systemd/system/kalshi-direct-*     the sync timer and the dashboard service
#   /usr/share/bash-completion/completions/, /usr/share/zsh/vendor-completions/
#   /usr/share/doc/kalshi-direct/               copyright, the example settings file
# Its maintainer scripts (tools/packaging/debian/) create the system user kalshi-direct and
# /etc/kalshi-direct/kalshi-direct.conf from the example (kept on upgrade and removal; gone on
# purge). Dependencies come from the binary's shared libraries (dpkg-shlibdeps). The simulator
# (kalshi-sim) is a development tool and stays out.
set(KD_PACKAGING_DIR ${PROJECT_SOURCE_DIR}/tools/packaging)

# The man page, from --help and --version.
find_program(KD_HELP2MAN help2man)
if(KD_HELP2MAN)
  set(kd_man ${CMAKE_BINARY_DIR}/man/kalshi-direct.1)
  add_custom_command(OUTPUT ${kd_man}.gz
    COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/man
    COMMAND ${KD_HELP2MAN} --no-info --section 1 --source "kalshi-direct ${PROJECT_VERSION}"
            --name "keep a Kalshi trading dashboard in step with the exchange"
            --output ${kd_man} $<TARGET_FILE:kalshi-direct>
    COMMAND gzip -9nf ${kd_man}
    DEPENDS kalshi-direct
    COMMENT "Generating the man page from kalshi-direct --help")
  add_custom_target(kd_man_page ALL DEPENDS ${kd_man}.gz)
  install(FILES ${kd_man}.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
else()
  message(STATUS "help2man not found: the package has no man page (apt-get install help2man)")
endif()

install(FILES ${KD_PACKAGING_DIR}/systemd/kalshi-direct-sync.service
              ${KD_PACKAGING_DIR}/systemd/kalshi-direct-sync.timer
              ${KD_PACKAGING_DIR}/systemd/kalshi-direct-serve.service
        DESTINATION lib/systemd/system)
install(FILES ${KD_PACKAGING_DIR}/completion/kalshi-direct.bash
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME kalshi-direct)
install(FILES ${KD_PACKAGING_DIR}/completion/_kalshi-direct
        DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions)
install(FILES ${KD_PACKAGING_DIR}/kalshi-direct.conf.example ${KD_PACKAGING_DIR}/debian/copyright
              ${KD_PACKAGING_DIR}/README.md
        DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/kalshi-direct)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME kalshi-direct)
set(CPACK_PACKAGE_VENDOR "kalshi-direct")
set(CPACK_PACKAGE_CONTACT "kalshi-direct maintainers <maintainers@kalshi-direct.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Kalshi trading dashboard fed straight from the exchange")
set(CPACK_PACKAGE_DESCRIPTION
    "kalshi-direct keeps a SQLite or PostgreSQL database in step with a Kalshi account (balance, positions, orders, fills, P&L by category) through YAML pipelines, and serves a dashboard. It still shows the last known state when the API is down.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://github.com/kalshi-direct/kalshi-direct")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)  # Depends: from the binary's libraries (dpkg-shlibdeps)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser, tzdata")  # the maintainer scripts; time zones
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "postgresql")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${KD_PACKAGING_DIR}/debian/postinst ${KD_PACKAGING_DIR}/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# Everything but the simulator (component "simulator"): CPack installs only the default component.
set(CPACK_INSTALL_CMAKE_PROJECTS "${CMAKE_BINARY_DIR};KalshiDirect;Unspecified;/")
set(CPACK_STRIP_FILES ON)
include(CPack)
