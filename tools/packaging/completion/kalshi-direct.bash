# bash completion for kalshi-direct
# Installed as /usr/share/bash-completion/completions/kalshi-direct (loaded on first use by the
# bash-completion package); or source it from ~/.bashrc.
#
# Completes the commands, the global and per-command flags, the values of flags with a fixed set
# (--log-format, report --range/--by/--format), pipeline names for `run` and `validate` (the
# basenames of *.yaml and *.yml in $KALSHI_DIRECT_PIPELINES, ./pipelines and
# /usr/share/kalshi-direct/pipelines, and their examples/), and file names where a flag takes a
# file (--db, --config, --port-file, --token-file) or a directory (--plugin-dir).

# The pipeline names kalshi-direct would find, one a line (duplicates removed by the caller).
_kalshi_direct_pipelines() {
    local -a roots=()
    local dir file name
    if [[ -n ${KALSHI_DIRECT_PIPELINES-} ]]; then
        local IFS=:
        # shellcheck disable=SC2206  # split on ':' on purpose
        roots+=($KALSHI_DIRECT_PIPELINES)
        unset IFS
    fi
    roots+=(pipelines /usr/share/kalshi-direct/pipelines /usr/local/share/kalshi-direct/pipelines)
    for dir in "${roots[@]}"; do
        [[ -n $dir ]] || continue
        for file in "$dir"/*.yaml "$dir"/*.yml "$dir"/examples/*.yaml "$dir"/examples/*.yml; do
            [[ -f $file ]] || continue
            name=${file##*/}
            name=${name%.yaml}
            name=${name%.yml}
            printf '%s\n' "$name"
        done
    done
}

# Files (all, or only those matching the extglob pattern $1, plus directories) into COMPREPLY.
_kalshi_direct_files() {
    if declare -F _filedir >/dev/null 2>&1; then
        _filedir "$@"
        return
    fi
    compopt -o filenames 2>/dev/null
    local IFS=$'\n'
    if [[ -n ${1-} ]]; then
        local extglob_was_off=0
        shopt -q extglob || extglob_was_off=1
        shopt -s extglob
        COMPREPLY+=($(compgen -f -X "!*.$1" -- "$cur") $(compgen -d -- "$cur"))
        ((extglob_was_off)) && shopt -u extglob
    else
        COMPREPLY+=($(compgen -f -- "$cur"))
    fi
}

_kalshi_direct_dirs() {
    if declare -F _filedir >/dev/null 2>&1; then
        _filedir -d
        return
    fi
    compopt -o filenames 2>/dev/null
    local IFS=$'\n'
    COMPREPLY+=($(compgen -d -- "$cur"))
}

_kalshi_direct_main() {
    if declare -F _init_completion >/dev/null 2>&1; then
        _init_completion -s || return
    else
        # Without bash-completion: COMP_WORDS splits --flag=value into --flag, =, value (the
        # default COMP_WORDBREAKS has '='); join them back so that words are what the CLI sees.
        COMPREPLY=()
        words=()
        cword=0
        local i=0
        while ((i < ${#COMP_WORDS[@]})); do
            if [[ ${COMP_WORDS[i]} == = && ${#words[@]} -gt 0 && ${words[-1]} == --* ]]; then
                words[-1]+="="
                ((i == COMP_CWORD)) && cword=$((${#words[@]} - 1))
                if ((i + 1 < ${#COMP_WORDS[@]})) && ((i + 1 <= COMP_CWORD)); then
                    words[-1]+=${COMP_WORDS[i + 1]}
                    ((i + 1 == COMP_CWORD)) && cword=$((${#words[@]} - 1))
                    ((i++))
                fi
            else
                words+=("${COMP_WORDS[i]}")
                ((i == COMP_CWORD)) && cword=$((${#words[@]} - 1))
            fi
            ((i++))
        done
        cur=${words[cword]-}
        prev=${words[cword - 1]-}
        if [[ $cur == --*=* ]]; then
            prev=${cur%%=*}
            cur=${cur#*=}
            split=true
        fi
    fi

    local commands="run validate plugins report positions serve config init"
    local global_flags="--config --quiet --verbose --log-format --plugin-dir --help --version"
    # Flags (of any command) that take a value: the word after them is not the command.
    local valued="--config --log-format --plugin-dir --set --db --account --days --every --since
        --range --from --to --by --category --series --subaccount --tax-year --format --bind
        --port --port-file --sync-every --stale-after --token --token-file --key-id --key-path
        --base-url --timezone"

    # The command and, for `config`, its subcommand: the first words that are not flags or values.
    local command="" subcommand="" i word
    for ((i = 1; i < cword; i++)); do
        word=${words[i]}
        if [[ $word == -* ]]; then
            [[ $word != *=* && " ${valued//$'\n'/ } " == *" $word "* ]] && ((i++))
            continue
        fi
        if [[ -z $command ]]; then
            command=$word
        elif [[ $command == config && -z $subcommand ]]; then
            subcommand=$word
        fi
    done

    # The value of the flag before the cursor.
    case $prev in
        --config | --port-file | --token-file | --key-path)
            _kalshi_direct_files
            return
            ;;
        --db)
            # A SQLite file, or a postgresql:// URL (typed by hand).
            _kalshi_direct_files
            return
            ;;
        --plugin-dir)
            _kalshi_direct_dirs
            return
            ;;
        --log-format)
            COMPREPLY=($(compgen -W "text json" -- "$cur"))
            return
            ;;
        --every | --sync-every | --stale-after)
            COMPREPLY=($(compgen -W "30s 1m 5m 15m 30m 1h" -- "$cur"))
            return
            ;;
        --days)
            COMPREPLY=($(compgen -W "1 7 30 90 365" -- "$cur"))
            return
            ;;
        --set)
            # The parameters of the shipped pipelines; another pipeline's own work too.
            compopt -o nospace 2>/dev/null
            COMPREPLY=($(compgen -W "db= days= mm_prefix= commit_rows= bulk_load= refresh=
                commit_interval=" -- "$cur"))
            return
            ;;
        --range)
            [[ $command == report ]] && COMPREPLY=($(compgen -W "today wtd mtd ytd 1y all" -- "$cur"))
            return
            ;;
        --by)
            [[ $command == report ]] &&
                COMPREPLY=($(compgen -W "day week month year category series subaccount" -- "$cur"))
            return
            ;;
        --format)
            [[ $command == report ]] && COMPREPLY=($(compgen -W "table json csv" -- "$cur"))
            return
            ;;
        --category)
            COMPREPLY=($(compgen -W "weather crypto econ market_making other" -- "$cur"))
            return
            ;;
        --since)
            COMPREPLY=($(compgen -W "1h 24h 7d 30d" -- "$cur"))
            return
            ;;
        --bind)
            COMPREPLY=($(compgen -W "127.0.0.1 ::1 0.0.0.0" -- "$cur"))
            return
            ;;
        --port)
            COMPREPLY=($(compgen -W "8080 0" -- "$cur"))
            return
            ;;
        --timezone)
            # IANA names, as files under the system's zone database.
            local zoneinfo=/usr/share/zoneinfo zone
            [[ -d $zoneinfo ]] || return
            local IFS=$'\n'
            for zone in $(cd "$zoneinfo" && compgen -f -- "$cur"); do
                # zone names start with a capital (not posix/, right/, zone.tab, tzdata.zi ...)
                [[ $zone == [A-Z]* && $zone != *.* ]] || continue
                if [[ -d $zoneinfo/$zone ]]; then
                    COMPREPLY+=("$zone/")
                else
                    COMPREPLY+=("$zone")
                fi
            done
            compopt -o nospace 2>/dev/null
            return
            ;;
        --base-url)
            COMPREPLY=($(compgen -W "https://external-api.kalshi.com/trade-api/v2
                https://external-api.demo.kalshi.co/trade-api/v2" -- "$cur"))
            # ':' is a word break: drop what bash already has before the last one.
            declare -F __ltrim_colon_completions >/dev/null 2>&1 && __ltrim_colon_completions "$cur"
            return
            ;;
        --account | --from | --to | --series | --subaccount | --tax-year | --token | --key-id)
            return
            ;;
    esac
    $split && return

    local flags=""
    case $command in
        "")
            if [[ $cur == -* ]]; then
                COMPREPLY=($(compgen -W "$global_flags" -- "$cur"))
            else
                COMPREPLY=($(compgen -W "$commands help" -- "$cur"))
            fi
            return
            ;;
        run)
            flags="--set --db --account --days --full --dry-run --every"
            ;;
        validate) ;;
        plugins)
            flags="--json"
            ;;
        report)
            flags="--db --account --since --range --from --to --by --category --series
                --subaccount --stats --edge --tax-year --format --json"
            ;;
        positions)
            flags="--json --db"
            ;;
        serve)
            flags="--db --account --bind --port --port-file --sync-every --live --stale-after
                --token --token-file"
            ;;
        config)
            # `config` and `init` take --config, not the other options every command takes.
            if [[ -z $subcommand && $cur != -* ]]; then
                COMPREPLY=($(compgen -W "show" -- "$cur"))
                return
            fi
            global_flags="--config"
            flags="--json --db"
            ;;
        init)
            global_flags="--config"
            flags="--key-id --key-path --base-url --db --timezone --no-check"
            ;;
        *)
            return
            ;;
    esac

    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$flags $global_flags" -- "$cur"))
        return
    fi

    case $command in
        run | validate)
            # `run` takes one pipeline, `validate` any number.
            if [[ $command == run ]]; then
                local positional=0
                for ((i = 1; i < cword; i++)); do
                    word=${words[i]}
                    if [[ $word == -* ]]; then
                        [[ $word != *=* && " ${valued//$'\n'/ } " == *" $word "* ]] && ((i++))
                        continue
                    fi
                    ((positional++))
                done
                ((positional >= 2)) && return # the command and its pipeline
            fi
            local IFS=$'\n'
            COMPREPLY=($(compgen -W "$(_kalshi_direct_pipelines | sort -u)" -- "$cur"))
            unset IFS
            # ... or a YAML file, by its path.
            if [[ $cur == */* || $cur == .* || ${#COMPREPLY[@]} -eq 0 ]]; then
                _kalshi_direct_files '@(yaml|yml)'
            fi
            ;;
    esac
}

_kalshi_direct() {
    local cur prev words cword split=false
    _kalshi_direct_main
}

complete -F _kalshi_direct kalshi-direct
