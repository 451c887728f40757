#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Mutation testing of the nbbs core's concurrency decisions (KTAP).

Each mutant of verify/mutants.txt is applied to a copy of the core in
build/mutate/<name>/, the userspace test programs are built against the
copy as mk/user.mk builds them (plain and with -DNBBS_FAULT_INJECT), and
the tests run, each under a time limit, until one fails: the mutant is then
killed.  A mutant that every run survives is a test that is missing; a
mutant whose text is not found exactly once, or that does not compile, no
longer says what it meant to.  All three fail the lane, as does an
unmutated copy that does not pass every run (test 1: without it, a broken
build or a failing test would "kill" every mutant).

Run by "make check-mutate" (mk/mutate.mk), which passes the compiler and
flags of mk/user.mk in the environment:

  MUTATE_CC, MUTATE_CFLAGS   compiler and flags (those of build/user/)
  MUTATE_INJECT              extra flags of the fault-injection build
  MUTATE_FAULTS              environment of the fault-injection runs
  MUTATE_LAYOUTS            layouts to run by default (NBBS_LAYOUT)
  MUTATE_TIMEOUT             seconds per run (a run past it kills the mutant)
  MUTATE_JOBS                mutants built and run at the same time
  MUTATE_STRESS_SECONDS      NBBS_STRESS_SECONDS of the stress runs

Arguments: the mutants file, then optionally the names of the mutants to
run (default: all).
"""
import concurrent.futures
import os
import shlex
import shutil
import subprocess
import sys
import time

# The core's sources (mk/core.mk); the copy gets all of them and the
# headers, and a mutant may edit any.  Compiled against each copy; the rest
# is built once (build/mutate/base/).  Fault injection only in 'inject'.
CORE_OBJS = os.environ.get('MUTATE_CORE_SRCS', 'nbbs_core.c nbbs_hot.c nbbs_scan.c nbbs_protocol.c').split()
FAULT_OBJS = os.environ.get('MUTATE_FAULT_SRCS', 'nbbs_fault.c').split()
INCLUDED = os.environ.get('MUTATE_CORE_INCLUDED', 'nbbs_tree.c nbbs_packed.c').split()
CORE = CORE_OBJS + FAULT_OBJS + INCLUDED + ['nbbs_internal.h', 'nbbs_fault.h']
# nbbs_workload.c: the overlap checker stress_nbbs_core shares (mk/core.mk).
BASE_OBJS = ['user/nbbs_user.c', 'user/nbbs_user_task.c', 'user/default_pool.c',
             'nbbs_workload.c']
# Test programs, cheapest first (a run stops at the first failure), with
# their link flags and the builds they run in: interleave_nbbs_core stops
# calls at the core's NBBS_HOOK() points (the hooks build) and runs once,
# whatever the layout (it builds its own pools); test_mutants_interleave
# hooks calls between the core's objects (see there).
TESTS = {
    'interleave_nbbs_core': ([], ['hooks']),
    'test_mutants_interleave': (['-Wl,--wrap=nbbs_claim,'
                                 '--wrap=nbbs_node_state,'
                                 '--wrap=nbbs_fault_cas'], ['plain', 'inject']),
    'test_nbbs': ([], ['plain', 'inject']),
    'test_nbbs_core': ([], ['plain', 'inject']),
    'stress_nbbs_core': ([], ['plain', 'inject']),
}
BUILDS = ['hooks', 'plain', 'inject']
# A test's sources and their own flags, where not just user/<test>.c:
# test_nbbs is the in-kernel test module loaded by user/test_nbbs_main.c.
SOURCES = {
    'test_nbbs': [('test_nbbs.c', ['-DKBUILD_MODNAME="test_nbbs"']),
                  ('user/test_nbbs_main.c', [])],
}
# Tests that run once, not once per layout.
ONCE = {'interleave_nbbs_core'}
OUT = 'build/mutate'


def env(name, default=None):
    v = os.environ.get(name, default)
    if v is None:
        sys.exit(f'{name} is not set: run "make check-mutate"')
    return v


CC = shlex.split(env('MUTATE_CC'))
CFLAGS = shlex.split(env('MUTATE_CFLAGS'))
INJECT = shlex.split(env('MUTATE_INJECT', '-DNBBS_FAULT_INJECT'))
BUILD_FLAGS = {'plain': [], 'inject': INJECT, 'hooks': ['-DNBBS_HOOKS']}
FAULTS = dict(kv.split('=', 1) for kv in shlex.split(env('MUTATE_FAULTS', '')))
LAYOUTS = env('MUTATE_LAYOUTS', 'tree packed tree-hot packed-hot').split()
TIMEOUT = float(env('MUTATE_TIMEOUT', '60'))
JOBS = int(env('MUTATE_JOBS', '2'))
STRESS_SECONDS = env('MUTATE_STRESS_SECONDS', '1.5')


class Mutant:
    def __init__(self, name, line):
        self.name = name
        self.line = line
        self.about = []
        self.layouts = None
        self.edits = []		# [file, old, new]


def unescape(s, where):
    """The value of a replace:/with: line: \\n, \\t and \\\\ escapes."""
    out, i = [], 0
    while i < len(s):
        c = s[i]
        if c == '\\':
            nxt = s[i + 1:i + 2]
            if nxt not in ('n', 't', '\\'):
                sys.exit(f'{where}: unknown escape \\{nxt}')
            out.append({'n': '\n', 't': '\t', '\\': '\\'}[nxt])
            i += 2
            continue
        out.append(c)
        i += 1
    return ''.join(out)


def parse(path):
    """Read the mutants file; see its head comment for the format."""
    mutants, m, file, old = [], None, None, None
    with open(path) as f:
        for no, raw in enumerate(f, 1):
            line = raw.rstrip('\n')
            where = f'{path}:{no}'
            if not line.strip() or line.startswith('#'):
                continue
            key, _, val = line.partition(' ')
            if key == 'mutant':
                if old is not None:
                    sys.exit(f'{where}: replace: without with:')
                if m and not m.edits:
                    sys.exit(f'{where}: mutant {m.name} has no edit')
                if not val or any(c not in
                                  'abcdefghijklmnopqrstuvwxyz0123456789-'
                                  for c in val):
                    sys.exit(f'{where}: bad mutant name "{val}"')
                if any(x.name == val for x in mutants):
                    sys.exit(f'{where}: mutant {val} named twice')
                if val in ('base', 'unmutated'):
                    sys.exit(f'{where}: {val} names a directory of the lane')
                m, file = Mutant(val, no), None
                mutants.append(m)
            elif m is None:
                sys.exit(f'{where}: "{key}" before the first mutant')
            elif key == 'about':
                m.about.append(val)
            elif key == 'layouts':
                m.layouts = val.split()
                bad = [v for v in m.layouts if v not in LAYOUTS]
                if bad or not m.layouts:
                    sys.exit(f'{where}: layouts not in {LAYOUTS}: {bad}')
            elif key == 'file':
                if val not in CORE:
                    sys.exit(f'{where}: {val} is not one of {CORE}')
                file = val
            elif key == 'replace:':
                if file is None or old is not None:
                    sys.exit(f'{where}: replace: needs a file, then with:')
                old = unescape(val, where)
                if not old:
                    sys.exit(f'{where}: empty replace:')
            elif key == 'with:':
                if old is None:
                    sys.exit(f'{where}: with: without replace:')
                m.edits.append([file, old, unescape(val, where)])
                old = None
            else:
                sys.exit(f'{where}: unknown line "{line}"')
    if old is not None or (m and not m.edits):
        sys.exit(f'{path}: the last mutant is incomplete')
    return mutants


def compile_to(src, obj, flags):
    os.makedirs(os.path.dirname(obj), exist_ok=True)
    return subprocess.run(CC + CFLAGS + flags + ['-c', src, '-o', obj],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True)


def sources(t):
    """The sources of test @t, each with its own extra flags."""
    return SOURCES.get(t, [(f'user/{t}.c', [])])


def test_objs(b, t):
    return [f'{OUT}/base/{b}/{os.path.basename(src)[:-2]}.o'
            for src, _ in sources(t)]


def build_base():
    """The objects no mutant changes, once per build (plain, inject)."""
    for b in BUILDS:
        flags = BUILD_FLAGS[b]
        srcs = [(src, []) for src in BASE_OBJS]
        for t in TESTS:
            if b in TESTS[t][1]:
                srcs += sources(t)
        for src, extra in srcs:
            obj = f'{OUT}/base/{b}/{os.path.basename(src)[:-2]}.o'
            r = compile_to(src, obj, flags + extra)
            if r.returncode:
                sys.stdout.write(r.stdout)
                return False
    return True


def build(dir, log):
    """Build the test programs against the core copied into @dir."""
    for b in BUILDS:
        flags = BUILD_FLAGS[b]
        objs = []
        for src in CORE_OBJS + (FAULT_OBJS if b == 'inject' else []):
            obj = f'{dir}/{b}/{src[:-2]}.o'
            r = compile_to(f'{dir}/{src}', obj, flags)
            log.write(r.stdout)
            if r.returncode:
                return False
            objs.append(obj)
        objs += [f'{OUT}/base/{b}/{os.path.basename(s)[:-2]}.o'
                 for s in BASE_OBJS]
        for t in (t for t in TESTS if b in TESTS[t][1]):
            r = subprocess.run(CC + CFLAGS + flags + TESTS[t][0] +
                               test_objs(b, t) + objs +
                               ['-o', f'{dir}/{b}/{t}'],
                               stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
            log.write(r.stdout)
            if r.returncode:
                return False
    return True


def first_failure(path):
    """The first failed KTAP result of a run's log and what the test said
    about it (its first failed CHECK(), or the comment right after it),
    for the report."""
    notes = []
    try:
        with open(path, errors='replace') as f:
            for line in f:
                line = line.strip()
                if line.startswith('ok '):
                    notes = []
                elif line.startswith('# '):
                    notes.append(line[2:])
                elif line.startswith('not ok '):
                    name = line.split(' ', 3)[-1]
                    fails = [i for i, n in enumerate(notes)
                             if 'check failed' in n]
                    if fails:
                        # The failed CHECK(), or what the test printed
                        # about it right after.
                        after = notes[fails[0] + 1:fails[0] + 2]
                        note = (after if after and 'check failed' not in
                                after[0] else notes[fails[0]:])[0]
                    else:
                        note = notes[-1] if notes else ''
                    return f'{name} ({note[:100]})' if note else name
    except OSError:
        pass
    return None


def runs(layouts):
    """Every run of a mutant, in order: unit tests first, then stress."""
    for t in TESTS:
        for b in TESTS[t][1]:
            for v in (['-'] if t in ONCE else layouts):
                yield t, b, v


def run_all(dir, layouts):
    """Run the tests on the copy in @dir until one fails; returns what
    failed (None: nothing) and how many runs it took."""
    n = 0
    for t, b, v in runs(layouts):
        e = dict(os.environ, NBBS_LAYOUT=v,
                 NBBS_STRESS_SECONDS=STRESS_SECONDS,
                 NBBS_TEST_FAILFAST='1')
        if b == 'inject':
            e.update(FAULTS)
        what = f'{t} ({v}{", inject" if b == "inject" else ""})'
        logpath = f'{dir}/{t}-{v}-{b}.log'
        n += 1
        with open(logpath, 'w') as log:
            try:
                r = subprocess.run([f'{dir}/{b}/{t}'], env=e, stdout=log,
                                   stderr=subprocess.STDOUT, timeout=TIMEOUT)
                rc = r.returncode
            except subprocess.TimeoutExpired:
                return f'{what}: hung, killed after {TIMEOUT:g} s', n
        if rc:
            why = first_failure(logpath)
            if rc < 0:
                why = f'signal {-rc}' + (f', after "{why}"' if why else '')
            return f'{what}: {why or f"exit {rc}"}', n
    return None, n


def prepare(name, edits):
    """Copy the core into build/mutate/@name and apply @edits; returns
    the directory, or an error for an edit that no longer applies."""
    dir = f'{OUT}/{name}'
    shutil.rmtree(dir, ignore_errors=True)
    os.makedirs(dir)
    text = {}
    for f in CORE:
        with open(f) as src:
            text[f] = src.read()
    for f, old, new in edits:
        count = text[f].count(old)
        if count != 1:
            first = (old.splitlines() or [old])[0].strip()
            return dir, (f'{f}: "{first}..." found {count} times, '
                         f'not once')
        text[f] = text[f].replace(old, new)
    for f in CORE:
        with open(f'{dir}/{f}', 'w') as dst:
            dst.write(text[f])
    return dir, None


def trial(m):
    """Build and run one mutant (None: the unmutated copy); returns
    (ok, description, seconds)."""
    t0 = time.monotonic()
    name = m.name if m else 'unmutated'
    dir, err = prepare(name, m.edits if m else [])
    if err:
        return False, f'no longer applies: {err}', time.monotonic() - t0
    with open(f'{dir}/build.log', 'w') as log:
        built = build(dir, log)
    if not built:
        return (False, f'does not compile (see {dir}/build.log)',
                time.monotonic() - t0)
    layouts = (m.layouts if m and m.layouts else LAYOUTS)
    failed, n = run_all(dir, layouts)
    secs = time.monotonic() - t0
    if m is None:
        if failed:
            return False, f'fails without a mutation: {failed}', secs
        return True, f'passes all {n} runs', secs
    if failed:
        return True, f'killed by {failed}', secs
    return False, f'survived all {n} runs', secs


def main():
    if len(sys.argv) < 2:
        sys.exit(f'usage: {sys.argv[0]} MUTANTS-FILE [NAME...]')
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
    mutants = parse(sys.argv[1])
    if len(sys.argv) > 2:
        want = sys.argv[2:]
        unknown = [w for w in want if not any(m.name == w for m in mutants)]
        if unknown:
            sys.exit(f'no such mutant: {" ".join(unknown)}')
        mutants = [m for m in mutants if m.name in want]

    t0 = time.monotonic()
    print('KTAP version 1')
    print(f'1..{len(mutants) + 1}')
    sys.stdout.flush()
    os.makedirs(OUT, exist_ok=True)
    if not build_base():
        print(f'not ok 1 unmutated copy: the test programs do not compile')
        for i, m in enumerate(mutants, 2):
            print(f'not ok {i} mutant {m.name} not run')
        return 1

    bad = 0
    with concurrent.futures.ThreadPoolExecutor(JOBS) as pool:
        jobs = [pool.submit(trial, m) for m in [None] + mutants]
        for i, (m, job) in enumerate(zip([None] + mutants, jobs), 1):
            ok, what, secs = job.result()
            name = f'mutant {m.name}' if m else 'unmutated copy'
            if m and not ok:
                for a in m.about:
                    print(f'# {m.name}: {a}')
            print(f'{"ok" if ok else "not ok"} {i} {name} {what} '
                  f'({secs:.0f} s)')
            sys.stdout.flush()
            bad += not ok
    print(f'# {len(mutants) + 1 - bad} passed, {bad} failed in '
          f'{time.monotonic() - t0:.0f} s')
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
