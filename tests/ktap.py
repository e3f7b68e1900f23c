"""Judging a Mica boot log: KTAP parsing plus the checks tests/run applies (standard library).

judge() turns (log text, Mica exit status, boot problem) into a Verdict: one entry per KTAP case
and a list of problems that fail the boot as a whole (panic, hang, reboot, missing plan, plan or
result mismatch, exit status that contradicts the results).
"""
import glob
import os
import re

EXIT_SUCCESS, EXIT_TEST_FAILED, EXIT_PANIC = 0, 1, 3
EXIT_NAMES = {EXIT_SUCCESS: "success", EXIT_TEST_FAILED: "test failed", EXIT_PANIC: "panic"}
BANNER = "Mica teaching kernel"
PANIC = "Kernel panic - not syncing"
PANIC_END = "---[ end Kernel panic ]---"

RESULT = re.compile(r"^(not ok|ok) (\d+) (\S+)(?: # (SKIP)\b ?(.*))?$")
PLAN = re.compile(r"^1\.\.(\d+)")
INDENT = "    "


def decode_exit(arch, rc):
    """Maps QEMU's exit code onto Mica's status. Returns (status or None, problem or None)."""
    if rc is None:
        return None, None
    if rc < 0:
        return None, f"QEMU killed by signal {-rc}"
    if arch == "x86":
        # isa-debug-exit: QEMU exits (value << 1) | 1, so Mica's exits are odd. QEMU's own
        # exit 0 there means a reset under -no-reboot: a triple fault.
        if rc & 1:
            return rc >> 1, None
        if rc == 0:
            return None, "QEMU exited 0: on x86 that is a reset (triple fault) under -no-reboot"
        return None, f"QEMU itself failed (exit {rc})"
    return rc, None


class Verdict:
    def __init__(self):
        self.cases = []        # (suite.case, ok, why)
        self.problems = []     # whole-boot failures
        self.quote = []        # log lines to show with the problems
        self.diagnostics = {}  # suite.case -> its "# ..." lines


def tail(text, n):
    return [l for l in text.split("\n") if l.strip()][-n:]


def panic_block(lines):
    for i, line in enumerate(lines):
        if PANIC in line:
            block = lines[i:i + 60]
            for j, l in enumerate(block):
                if PANIC_END in l:
                    return block[:j + 1]
            return block
    return []


def parse_ktap(lines, v):
    """Parses nested KTAP (KUnit's layout); records cases and structural problems in v."""
    try:
        start = next(i for i, l in enumerate(lines) if l == "KTAP version 1")
    except StopIteration:
        v.problems.append("missing KTAP header: the kernel never started its tests")
        return
    plan = None
    results = 0
    suite = None  # dict: name, plan, cases [(n, name, ok, skip)], diags
    pending = []

    def close_suite(top_ok, top_n, top_name):
        nonlocal suite
        if suite is None or suite["name"] != top_name:
            v.problems.append(f"result 'ok {top_n} {top_name}' has no subtest for it")
            suite = None
            return
        cases = suite["cases"]
        if suite["plan"] is None:
            v.problems.append(f"suite {top_name}: missing plan")
        elif suite["plan"] != len(cases):
            v.problems.append(f"suite {top_name}: plan 1..{suite['plan']} but "
                              f"{len(cases)} results")
        if [c[0] for c in cases] != list(range(1, len(cases) + 1)):
            v.problems.append(f"suite {top_name}: case numbers out of order")
        any_failed = any(not c[2] for c in cases)
        if top_ok == any_failed:
            v.problems.append(f"suite {top_name}: reports '{'ok' if top_ok else 'not ok'}' "
                              f"but its cases say otherwise")
        suite = None

    for line in lines[start + 1:]:
        if line.startswith(INDENT):
            body = line[len(INDENT):]
            if body.startswith("# Subtest: "):
                if suite is not None:
                    v.problems.append(f"suite {suite['name']}: no result line")
                suite = {"name": body[len("# Subtest: "):].strip(), "plan": None,
                         "cases": []}
                pending = []
                continue
            if suite is None:
                continue
            m = PLAN.match(body)
            if m and suite["plan"] is None:
                suite["plan"] = int(m.group(1))
                continue
            m = RESULT.match(body)
            if m:
                ok = m.group(1) == "ok"
                name = f"{suite['name']}.{m.group(3)}"
                suite["cases"].append((int(m.group(2)), m.group(3), ok, bool(m.group(4))))
                why = "" if ok else "not ok"
                v.cases.append((name, ok, why))
                if pending:
                    v.diagnostics[name] = pending
                pending = []
                continue
            if body.startswith("#"):
                pending.append(body)
            continue
        m = PLAN.match(line)
        if m and plan is None:
            plan = int(m.group(1))
            continue
        m = RESULT.match(line)
        if m:
            results += 1
            if int(m.group(2)) != results:
                v.problems.append(f"top-level result {m.group(2)} out of order")
            close_suite(m.group(1) == "ok", m.group(2), m.group(3))
    if suite is not None:
        v.problems.append(f"suite {suite['name']}: output ends before its result line")
    if plan is None:
        v.problems.append("missing KTAP plan")
    elif plan != results:
        v.problems.append(f"plan 1..{plan} but {results} results")


def judge(text, status, problem):
    lines = text.replace("\r", "").split("\n")
    v = Verdict()
    block = panic_block(lines)
    if block:
        v.problems.append("panic: " + block[0].split(PANIC, 1)[1].lstrip(": "))
        v.quote = block
    boots = sum(BANNER in l for l in lines)
    if boots > 1:
        v.problems.append(f"reboot: the kernel started {boots} times")
    parse_ktap(lines, v)
    if problem:
        v.problems.append(problem)
    failed = any(not ok for _, ok, _ in v.cases)
    if status is not None and not block:
        if status == EXIT_SUCCESS and (failed or v.problems):
            v.problems.append("exit status says success, but the log shows failures")
        elif status != EXIT_SUCCESS and not failed and not v.problems:
            v.problems.append(f"exit status {status} ({EXIT_NAMES.get(status, '?')}) "
                              "but every case passed")
    if v.problems and not v.quote:
        v.quote = tail(text, 20)
    return v


def judge_expected_failure(text, status, problem, kind, patterns):
    """For a boot that must panic (kind 'panic') or fail (kind 'fail'): None if it went wrong
    in exactly the expected way, else why not."""
    if problem:
        return problem
    want = EXIT_PANIC if kind == "panic" else EXIT_TEST_FAILED
    if status != want:
        return (f"exit status {status} ({EXIT_NAMES.get(status, '?')}), "
                f"want {want} ({EXIT_NAMES[want]})")
    lines = text.replace("\r", "").split("\n")
    if kind == "panic":
        block = panic_block(lines)
        if not block:
            return "no panic report"
        if PANIC_END not in block[-1]:
            return "panic report does not end (backtrace runaway or cut)"
        if not any("Backtrace:" in l for l in block):
            return "panic report has no backtrace"
    elif panic_block(lines):
        return "panicked instead of failing"
    for p in patterns:
        if not re.search(p, text, re.M):
            return f"log lacks /{p}/"
    return None


def selftest(directory):
    """Judges each canned log in `directory`. A log's first lines say what it is:
        # expect: pass | fail <text that must appear in a problem or case failure>
        # exit: <QEMU exit code> | timeout
        # arch: riscv | arm | x86
    Yields (name, ok, why)."""
    for path in sorted(glob.glob(os.path.join(directory, "*.log"))):
        name = os.path.basename(path)
        with open(path) as f:
            text = f.read()
        head = dict(re.findall(r"^# (expect|exit|arch): (.*)$", text, re.M))
        if "expect" not in head:
            yield name, False, "canned log has no '# expect:' line"
            continue
        rc = None if head.get("exit", "0") == "timeout" else int(head.get("exit", "0"))
        status, problem = decode_exit(head.get("arch", "riscv"), rc)
        if rc is None:
            problem = "hang: QEMU still running after the timeout (killed)"
        v = judge(text, status, problem)
        complaints = v.problems + [f"{c} {why}" for c, ok, why in v.cases if not ok]
        expect = head["expect"].split(" ", 1)
        if expect[0] == "pass":
            yield name, not complaints, "; ".join(complaints) or ""
        else:
            needle = expect[1] if len(expect) > 1 else ""
            hit = any(needle in c for c in complaints)
            yield (name, hit, f"judged {complaints or 'passing'}, want a failure "
                              f"mentioning '{needle}'")
