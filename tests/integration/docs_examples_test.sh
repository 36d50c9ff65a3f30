#!/usr/bin/env bash
# Every example in the README and the docs runs as written (issue 13 item 15).
#  1. Every fenced ```yaml block of README.md, docs/*.md, plugins/*/*/README.md, examples/*/README.md
#     and tools/kalshi-sim/README.md that is a complete pipeline (a top-level `source:`) must pass
#     `kalshi-direct validate`; fragments (no `source:`, or a `...` placeholder) are counted and
#     skipped. The shipped pipelines are validated too.
#  2. Against kalshi-sim: the README's "Using it with a real account" commands (build/bin/kalshi-direct
#     = the binary under test; `run sync --every` also in the background until two more snapshots),
#     every pipelines/examples/*.yaml by name, and every complete block whose source is kalshi_live
#     or a jsonl file that exists. Each exits 0 and writes a non-empty file or table.
# Any failure: one line naming the document, the block's line and what happened; exit 1.
# Usage: docs_examples_test.sh KALSHI_DIRECT_BINARY KALSHI_SIM_BINARY SOURCE_DIR
set -euo pipefail
if [[ $# -ne 3 ]]; then
  echo "usage: $0 KALSHI_DIRECT_BINARY KALSHI_SIM_BINARY SOURCE_DIR" >&2
  exit 2
fi
cli=$(realpath "$1") sim=$(realpath "$2") src=$(realpath "$3")
work=$(mktemp -d)
sim_pid="" loop_pid=""
cleanup() {
  [[ -n $loop_pid ]] && kill -KILL "$loop_pid" 2>/dev/null
  [[ -n $sim_pid ]] && kill -TERM "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
started=$SECONDS

fail() { echo "docs examples: FAIL $*"; exit 1; }
# The last non-empty line of a file, on one line and not too long (what a failed command said).
said() { local l; l=$(grep -v '^[[:space:]]*$' "$1" 2>/dev/null | tail -n 1 || true); echo "${l:0:300}"; }

# ---------------------------------------------------------------------------------------------
# The helper: extracts blocks, reads what a pipeline's source and sinks are (a plain-text reading
# of the YAML: python3 has no YAML module everywhere), resolves ${params}.
cat > "$work/docs.py" <<'PY'
import os, re, sys

FENCE = re.compile(r'^\s*(`{3,}|~{3,})\s*([\w+-]*)')
VAR = re.compile(r'\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}')


def code(line):  # a line without its comment (naive: a '#' after a blank or at the start)
    return re.split(r'(?:^|\s)#', line, maxsplit=1)[0].rstrip()


def blocks(path):
    """(first line number of the content, language, content lines, the paragraph after it)"""
    lines = open(path, encoding='utf-8').read().split('\n')
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        fence, lang, j = m.group(1), m.group(2).lower(), i + 1
        while j < len(lines) and not lines[j].strip().startswith(fence):
            j += 1
        after = []
        for k in range(j + 1, min(j + 12, len(lines))):
            if not lines[k].strip() or lines[k].lstrip().startswith(('```', '#')):
                if after:
                    break
                continue
            after.append(lines[k])
        yield i + 2, lang, lines[i + 1:j], ' '.join(after)
        i = j + 1


def split_top(text):  # "a: 1, b: [x, y], c: {d: 2}" -> ["a: 1", "b: [x, y]", "c: {d: 2}"]
    parts, depth, cur, quote = [], 0, '', None
    for ch in text:
        if quote:
            quote = None if ch == quote else quote
        elif ch in '\'"':
            quote = ch
        elif ch in '[{':
            depth += 1
        elif ch in ']}':
            depth -= 1
        elif ch == ',' and depth == 0:
            parts.append(cur)
            cur = ''
            continue
        cur += ch
    if cur.strip():
        parts.append(cur)
    return [p.strip() for p in parts]


def unquote(v):
    v = v.strip()
    if len(v) >= 2 and v[0] == v[-1] and v[0] in '\'"':
        return v[1:-1]
    return v


def pairs(text):  # "key: value" items of a flow mapping's inside or of one block line
    out = {}
    for item in split_top(text):
        if ':' in item:
            k, v = item.split(':', 1)
            out[k.strip()] = unquote(v)
    return out


def flow(text):  # "{ a: 1, b: 2 }" -> dict
    text = text.strip()
    return pairs(text[1:-1]) if text.startswith('{') and text.endswith('}') else {}


def section(lines, key):
    """(index of the top-level `key:` line, its value text, the indented lines below it)"""
    for i, line in enumerate(lines):
        m = re.match(r'^' + key + r'\s*:(.*)$', line)
        if m:
            body = []
            for l in lines[i + 1:]:
                if code(l).strip() and not l[0].isspace():
                    break
                body.append(l)
            return i, code(m.group(1)).strip(), body
    return None, None, []


def mapping(value, body):
    """A top-level key's mapping: flow on the key's line, or the block keys at the first indent."""
    if value:
        return flow(value)
    out, indent = {}, None
    for l in body:
        c = code(l)
        if not c.strip():
            continue
        ind = len(c) - len(c.lstrip())
        indent = ind if indent is None else indent
        if ind == indent and ':' in c:
            k, v = c.strip().split(':', 1)
            out[k.strip()] = unquote(v)
    return out


def params_of(lines):
    i, value, body = section(lines, 'params')
    return mapping(value, body) if i is not None else {}


def resolve(text, params, depth=0):
    """${name} / ${name:-default} from params (PIPELINE_DIR among them), else the environment."""
    if depth > 20:
        return text
    def one(m):
        name, default = m.group(1), m.group(2)
        if name in params:
            return resolve(params[name], params, depth + 1)
        if os.environ.get(name):
            return os.environ[name]
        return resolve(default, params, depth + 1) if default is not None else m.group(0)
    return VAR.sub(one, text.replace('$$', '\0')).replace('\0', '$')


def sinks_of(lines):
    i, value, body = section(lines, 'sinks')
    items, cur, dash = [], None, None
    for l in body:
        c = code(l)
        if not c.strip():
            continue
        m = re.match(r'^(\s*)-\s*(.*)$', c)
        if m and (dash is None or len(m.group(1)) == dash):
            dash = len(m.group(1))
            rest = m.group(2).strip()
            cur = flow(rest) if rest.startswith('{') else pairs(rest)
            items.append(cur)
        elif cur is not None and len(c) - len(c.lstrip()) == dash + 2 and ':' in c:
            k, v = c.strip().split(':', 1)
            cur[k.strip()] = unquote(v)
    return items


TABLE_SINKS = {'kalshi_orders', 'kalshi_fills', 'kalshi_transfers', 'kalshi_snapshots'}


def outputs(lines, pipeline_dir):
    """What each sink writes: ('file', path, min_lines) or ('table', db, table)."""
    params, out = dict(params_of(lines), PIPELINE_DIR=pipeline_dir), []
    for sink in sinks_of(lines):
        kind, path = sink.get('type', '?'), resolve(sink.get('path', ''), params)
        if kind == 'sqlite_table':
            out.append(('table', path, resolve(sink.get('table', ''), params)))
        elif kind in TABLE_SINKS:
            out.append(('table', path, kind))
        elif kind == 'csv':  # a header and at least one row
            out.append(('file', path, '2' if sink.get('header', 'true') != 'false' else '1'))
        elif path:
            out.append(('file', path, '1'))
        else:
            out.append(('unknown', kind, ''))
    return out


def source_of(lines):
    i, value, body = section(lines, 'source')
    return i, value, body, mapping(value, body)


def cmd_blocks(outdir, src, replacements, docs):
    """Writes each complete pipeline block to OUTDIR/NAME.yaml (and OUTDIR/run/NAME.yaml, the
    copy pointed at the simulator); prints one tab-separated line per block."""
    os.makedirs(os.path.join(outdir, 'run'), exist_ok=True)
    for doc in docs:
        rel = os.path.relpath(doc, src)
        for line, lang, content, after in blocks(doc):
            if lang not in ('yaml', 'yml'):
                continue
            where = (rel, str(line))
            if any(re.match(r'^\s*(-\s*)?\.\.\.|.*:\s*\.\.\.\s*$', code(l)) for l in content):
                print('fragment', *where, 'a "..." placeholder', sep='\t')
                continue
            if not any(re.match(r'^source\s*:', l) for l in content):
                print('fragment', *where, 'no top-level source:', sep='\t')
                continue
            text = '\n'.join(content) + '\n'
            for old, new in replacements:
                text = text.replace(old, new)
            name = re.sub(r'[^A-Za-z0-9_]+', '-', os.path.splitext(rel)[0]).strip('-') + '-L' + str(line)
            path = os.path.join(outdir, name + '.yaml')
            open(path, 'w', encoding='utf-8').write(text)
            print('validate', *where, path, sep='\t')

            lines = text.split('\n')
            i, value, body, source = source_of(lines)
            params = dict(params_of(lines), PIPELINE_DIR=os.path.join(outdir, 'run'))
            kind, run_text = source.get('type', '?'), None
            if kind == 'jsonl':
                input_path = resolve(source.get('path', ''), params)
                if os.path.isfile(input_path):
                    run_text = text
                else:
                    print('norun', *where, 'jsonl input ' + input_path + ' does not exist', sep='\t')
            elif kind == 'kalshi_live':
                if 'base_url' in source:
                    url = resolve(source['base_url'], params)
                    if url.startswith('http://127.0.0.1:'):
                        run_text = text
                    else:
                        print('norun', *where, 'base_url ' + url + ' is not the simulator', sep='\t')
                else:  # the plugin's default is production: point the copy at the simulator
                    if value:
                        lines[i] = lines[i].replace('{', '{ base_url: "${KALSHI_API_BASE_URL}",', 1)
                    else:
                        child = next(l for l in body if code(l).strip())
                        indent = child[:len(child) - len(child.lstrip())]
                        lines.insert(i + 1, indent + 'base_url: "${KALSHI_API_BASE_URL}"')
                    run_text = '\n'.join(lines)
            else:
                print('norun', *where, 'source ' + kind + ' is neither kalshi_live nor jsonl', sep='\t')
            if run_text is not None:
                run_path = os.path.join(outdir, 'run', name + '.yaml')
                open(run_path, 'w', encoding='utf-8').write(run_text)
                documented3 = re.search(r'exit(s| code)?( with)? \**3\b', after) is not None
                print('run', *where, run_path, '0 3' if documented3 else '0', kind, sep='\t')


def cmd_readme_commands(readme):
    """The `build/bin/kalshi-direct ...` lines of the README's "Using it with a real account"."""
    lines = open(readme, encoding='utf-8').read().split('\n')
    start = next((n for n, l in enumerate(lines) if l.startswith('## Using it with a real account')), None)
    if start is None:
        return
    for n in range(start + 1, len(lines)):
        if lines[n].startswith('## '):
            break
        c = code(lines[n]).strip()
        if c.startswith('build/bin/kalshi-direct '):
            print(n + 1, c[len('build/bin/kalshi-direct '):], sep='\t')


if __name__ == '__main__':
    what = sys.argv[1]
    if what == 'blocks':
        reps = [tuple(r.split('=', 1)) for r in sys.argv[4].split(',') if r]
        cmd_blocks(sys.argv[2], sys.argv[3], reps, sys.argv[5:])
    elif what == 'outputs':
        lines = open(sys.argv[2], encoding='utf-8').read().split('\n')
        for o in outputs(lines, os.path.dirname(os.path.abspath(sys.argv[2]))):
            print(*o, sep='\t')
    elif what == 'readme-commands':
        cmd_readme_commands(sys.argv[2])
PY
py() { python3 "$work/docs.py" "$@"; }

# ---------------------------------------------------------------------------------------------
# The simulator, and the environment the README tells a user to set (pointed at it).
"$sim" --port 0 --port-file "$work/sim.port" --fills 2000 --seed 7 --anchor now --bearer-token T \
  >"$work/sim.out" 2>"$work/sim.err" &
sim_pid=$!
for _ in $(seq 100); do
  [[ -s $work/sim.port ]] && break
  if ! kill -0 "$sim_pid" 2>/dev/null; then
    rc=0
    wait "$sim_pid" || rc=$?
    sim_pid=""
    fail "kalshi-sim exited at start with $rc: $(said "$work/sim.err")"
  fi
  sleep 0.1
done
[[ -s $work/sim.port ]] || fail "kalshi-sim wrote no port file within 10 s"
port=$(cat "$work/sim.port")

unset KALSHI_DB KALSHI_MM_PREFIX KALSHI_MAX_RETRY_TIME KALSHI_READ_TIMEOUT KALSHI_API_KEY_FILE \
      KALSHI_PRIVATE_KEY KALSHI_DIRECT_PLUGIN_PATH KD_EXAMPLE_INPUT
export KALSHI_API_BASE_URL="http://127.0.0.1:$port/trade-api/v2" KALSHI_API_KEY=T \
       KALSHI_API_KEY_ID='' KALSHI_PRIVATE_KEY_PATH='' KALSHI_RATE_LIMIT=off \
       KALSHI_DIRECT_PIPELINES="$src/pipelines"   # named pipelines: this checkout's, not an install

# The working directory a user would have: relative paths in the docs (examples/data/...,
# pipelines/examples/...) resolve as from the repository root, outputs stay in the temp dir.
run_dir=$work/run
mkdir "$run_dir"
ln -s "$src/examples" "$run_dir/examples"
ln -s "$src/pipelines" "$run_dir/pipelines"
cd "$run_dir"

# examples/custom-sink/README.md builds its plugins into /tmp/json-sink; build the same sources
# here (as its CMakeLists does: C++17, warnings as errors, the SDK headers as system headers like
# those of an imported target) and point the block's plugin_paths at them.
mkdir "$work/json-sink"
for plugin in json_lines_sink tally_sink; do
  if ! ${CXX:-c++} -std=c++17 -shared -fPIC -fvisibility=hidden -Wall -Wextra -Werror \
       -isystem "$src/core/include" "$src/examples/custom-sink/$plugin.cpp" \
       -o "$work/json-sink/lib$plugin.so" 2>"$work/cxx.err"; then
    fail "examples/custom-sink/$plugin.cpp does not build: $(said "$work/cxx.err")"
  fi
done

# ---------------------------------------------------------------------------------------------
# 1. Every yaml block: complete pipelines validate, fragments are counted.
shopt -s nullglob
docs=("$src/README.md" "$src"/docs/*.md "$src"/plugins/*/*/README.md "$src"/examples/*/README.md
      "$src/tools/kalshi-sim/README.md")
py blocks "$work/blocks" "$src" "/tmp/json-sink=$work/json-sink" "${docs[@]}" >"$work/manifest.tsv" ||
  fail "could not extract the yaml blocks (python3 failed)"

validated=0 skipped=0
while IFS=$'\t' read -r kind doc line file _ <&3; do
  case $kind in
    fragment) skipped=$((skipped + 1)) ;;
    validate)
      rc=0
      timeout 60 "$cli" validate "$file" >"$work/out" 2>"$work/err" </dev/null || rc=$?
      ((rc == 0)) || fail "$doc:$line (yaml block): kalshi-direct validate exited $rc: $(said "$work/err" | sed "s|$file|block|")"
      validated=$((validated + 1)) ;;
  esac
done 3<"$work/manifest.tsv"
((validated > 0)) || fail "no complete pipeline among the yaml blocks of ${#docs[@]} documents"
timeout 60 "$cli" validate >"$work/out" 2>"$work/err" </dev/null ||
  fail "pipelines/ (shipped): kalshi-direct validate exited $?: $(said "$work/err")"

# ---------------------------------------------------------------------------------------------
# 2a. The README's commands, in order.
runs=0
mapfile -t commands < <(py readme-commands "$src/README.md")
((${#commands[@]} > 0)) || fail "README.md: no build/bin/kalshi-direct commands under '## Using it with a real account'"
snapshots() { sqlite3 -cmd '.timeout 5000' kalshi.db 'SELECT count(*) FROM kalshi_snapshots' 2>/dev/null || echo 0; }
for entry in "${commands[@]}"; do
  line=${entry%%$'\t'*}
  read -ra args <<<"${entry#*$'\t'}"
  shown="kalshi-direct ${args[*]}"
  every=""
  for ((i = 0; i < ${#args[@]}; i++)); do
    if [[ ${args[i]} == --every ]]; then
      every=${args[i + 1]:-}
      args=("${args[@]:0:i}" "${args[@]:i+2}")
      break
    fi
  done
  if [[ ${args[0]} == serve ]]; then
    # A server: started on a free port, its page and summary fetched, then SIGTERM ends it with 0.
    rm -f "$work/serve.port"
    "$cli" "${args[@]}" --port 0 --port-file "$work/serve.port" >"$work/out" 2>"$work/err" </dev/null &
    pid=$!
    for _ in $(seq 200); do [[ -s $work/serve.port ]] && break; sleep 0.1; done
    [[ -s $work/serve.port ]] || fail "README.md:$line \`${shown}\`: did not start: $(said "$work/err")"
    for url in / /api/v1/summary; do
      curl -fsS -o /dev/null "http://127.0.0.1:$(cat "$work/serve.port")$url" ||
        fail "README.md:$line \`${shown}\`: $url did not answer 200"
    done
    kill -TERM "$pid"
    rc=0
    wait "$pid" || rc=$?
    ((rc == 0)) || fail "README.md:$line \`${shown}\`: exit $rc after SIGTERM: $(said "$work/err")"
    runs=$((runs + 1))
    continue
  fi
  rc=0
  timeout 120 "$cli" "${args[@]}" >"$work/out" 2>"$work/err" </dev/null || rc=$?
  ((rc == 0)) || fail "README.md:$line \`${shown}\` (run without --every): exit $rc: $(said "$work/err")"
  [[ -s $work/out ]] || fail "README.md:$line \`${shown}\`: printed nothing on stdout"
  runs=$((runs + 1))
  [[ -n $every ]] || continue

  # The same with --every, in the background: two more snapshots, then SIGTERM ends it with 0.
  before=$(snapshots)
  "$cli" "${args[@]}" --every 1s >"$work/every.out" 2>"$work/every.err" </dev/null &
  loop_pid=$!
  deadline=$((SECONDS + 60))
  while (($(snapshots) < before + 2)); do
    kill -0 "$loop_pid" 2>/dev/null ||
      fail "README.md:$line \`kalshi-direct ${args[*]} --every 1s\`: exited before two more snapshots: $(said "$work/every.err")"
    ((SECONDS < deadline)) ||
      fail "README.md:$line \`kalshi-direct ${args[*]} --every 1s\`: not two more snapshots (from $before) within 60 s"
    sleep 0.2
  done
  kill -TERM "$loop_pid"
  rc=0
  wait "$loop_pid" || rc=$?
  loop_pid=""
  ((rc == 0)) || fail "README.md:$line \`kalshi-direct ${args[*]} --every 1s\`: exit $rc after SIGTERM: $(said "$work/every.err")"
  [[ -s $work/every.out ]] || fail "README.md:$line \`kalshi-direct ${args[*]} --every 1s\`: printed nothing on stdout"
  runs=$((runs + 1))
done

# What a pipeline wrote: every sink's file or table exists and is not empty.
check_outputs() {  # WHERE PIPELINE_FILE
  local where=$1 kind a b n checked=0
  while IFS=$'\t' read -r kind a b <&4; do
    case $kind in
      file)
        [[ -s $a ]] || fail "$where: it wrote no file $a (or an empty one)"
        n=$(wc -l <"$a")
        ((n >= b)) || fail "$where: $a has $n lines, expected at least $b" ;;
      table)
        [[ -s $a ]] || fail "$where: it wrote no database $a"
        n=$(sqlite3 -cmd '.timeout 5000' "$a" "SELECT count(*) FROM \"$b\"" 2>&1) ||
          fail "$where: no table $b in $a: $n"
        ((n > 0)) || fail "$where: table $b in $a is empty" ;;
      *) fail "$where: cannot tell what sink '$a' writes" ;;
    esac
    checked=$((checked + 1))
  done 4< <(py outputs "$2")
  ((checked > 0)) || fail "$where: cannot tell what its sinks write"
}
remove_files() {  # so that a file checked afterwards is this run's
  local kind a b
  while IFS=$'\t' read -r kind a b; do
    if [[ $kind == file ]]; then rm -f -- "$a"; fi
  done < <(py outputs "$1")
}

# 2b. The shipped examples, by name.
for file in "$src"/pipelines/examples/*.yaml; do
  name=$(basename "$file" .yaml)
  where="pipelines/examples/$name.yaml (kalshi-direct run $name)"
  remove_files "$file"
  rc=0
  timeout 120 "$cli" run "$name" >"$work/out" 2>"$work/err" </dev/null || rc=$?
  ((rc == 0)) || fail "$where: exit $rc: $(said "$work/err")"
  check_outputs "$where" "$file"
  runs=$((runs + 1))
done

# 2c. The doc blocks a user can run as they are: kalshi_live (here: the simulator) or an existing
# jsonl file.
ran=()
while IFS=$'\t' read -r kind doc line file accepted source <&3; do
  [[ $kind == run ]] || continue
  where="$doc:$line (yaml block, source $source)"
  remove_files "$file"
  rc=0
  timeout 120 "$cli" run "$file" >"$work/out" 2>"$work/err" </dev/null || rc=$?
  [[ " $accepted " == *" $rc "* ]] || fail "$where: kalshi-direct run exited $rc: $(said "$work/err" | sed "s|$file|block|")"
  check_outputs "$where" "$file"
  ran+=("$doc:$line")
  runs=$((runs + 1))
done 3<"$work/manifest.tsv"

echo "ran doc blocks: ${ran[*]:-none}"
while IFS=$'\t' read -r kind doc line why <&3; do
  if [[ $kind == norun ]]; then echo "validated only: $doc:$line ($why)"; fi
done 3<"$work/manifest.tsv"
echo "docs examples: $validated yaml blocks validated, $skipped skipped (fragments), $runs pipelines run ($((SECONDS - started)) s)"
