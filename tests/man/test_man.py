#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""test_man.py: the man pages (man/) are kept in step with the programs, in TAP.

- `mandoc -T lint` reports nothing on the four pages (run in man/, where mandoc finds the pages they
  cross-reference);
- attachd(8)'s OPTIONS are attachd --help's options, each with its placeholder;
- attachctl(8)'s OPTIONS are attachctl --help's global options; its SUBCOMMANDS are --help's, and each
  entry's synopsis and option list are `attachctl help SUBCOMMAND`'s options, with their placeholders;
- attachd.conf(5)'s KEYS are attachd's long options but config, help and version (flags take true|false),
  its list of repeatable keys is the options whose help says they repeat, and the example file
  etc/attachd.conf shows every key;
- libattach(3)'s SYNOPSIS documents exactly the functions the shared library exports (the version node
  of proto/libattach.map), with the prototypes of proto/attach.h, and its DESCRIPTION describes each.
"""
import os
import re
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.path.join(ROOT, os.environ.get("BUILD", "build"))
MAN = os.path.join(ROOT, "man")
PAGES = ["attachd.8", "attachctl.8", "attachd.conf.5", "libattach.3"]
MACROS = {"Ar", "Cm", "Ns", "Li", "Op", "Oo", "Oc", "Xo", "Xc", "Ic", "No"}
NOT_KEYS = {"config", "help", "version"}  # options that are no setting of the agent's

results = []


def check(desc, ok, why=""):
    results.append(ok)
    print(("ok" if ok else "not ok") + " %d - %s" % (len(results), desc))
    if not ok and why:
        for line in str(why).splitlines():
            print("# " + line)


def same(desc, man, prog, man_name="the page", prog_name="the program"):
    """ok when the two sets are equal; else say what each lacks."""
    man, prog = set(man), set(prog)
    why = []
    if prog - man:
        why.append("%s lacks: %s" % (man_name, ", ".join(sorted(prog - man))))
    if man - prog:
        why.append("%s lacks: %s" % (prog_name, ", ".join(sorted(man - prog))))
    check(desc, man == prog and bool(man), "\n".join(why) or "both are empty")


def run(*argv):
    return subprocess.run(argv, capture_output=True, text=True, check=False).stdout


def read(name):
    with open(os.path.join(MAN, name), encoding="utf-8") as f:
        return f.read().splitlines()


def section(lines, name):
    """The lines of section .Sh NAME (up to the next .Sh)."""
    out, inside = [], False
    for line in lines:
        if line.startswith(".Sh "):
            inside = line[4:].strip() == name
        elif inside:
            out.append(line)
    return out


def items(lines):
    """The entries of a section's first list: [(head macros, [nested .It lines])]. A head is the .It
    line, or the lines between .It Xo and .Xc joined."""
    out, depth, head, xo = [], 0, None, False
    for line in lines:
        if line.startswith(".Bl"):
            depth += 1
        elif line.startswith(".El"):
            depth -= 1
        elif xo:
            if line.startswith(".Xc"):
                xo = False
            else:
                head.append(line.lstrip("."))
        elif line.startswith(".It") and depth == 1:
            head = [] if line.split()[1:] == ["Xo"] else [line[4:]]
            xo = not head
            out.append((head, []))
        elif line.startswith(".It") and depth == 2 and out:
            out[-1][1].append(line[4:])
    return [(" ".join(h), nested) for h, nested in out]


def flags(macros):
    """'Fl s Ar SOCKET , Fl -socket Ar SOCKET' -> {'-s SOCKET', '--socket SOCKET'}; a placeholder is what
    follows the flag up to the next flag or a comma, without macro names ('Cm rw | ro' -> 'rw|ro')."""
    out = set()
    for part in re.split(r"\bFl\s+", macros)[1:]:
        words = part.replace("Op ", " ").split()
        name, rest = "-" + words[0], []
        for w in words[1:]:
            if w == ",":
                break
            if w not in MACROS:
                rest.append(w)
        out.add(name + (" " + "".join(rest) if rest else ""))
    return out


def help_options(text):
    """attachd --help: '  --socket S  ...' -> '--socket S'; '  --version, --help' -> both."""
    out = set()
    for line in text.splitlines():
        m = re.match(r"^  ((?:--[a-z][a-z-]*)(?:, --[a-z][a-z-]*)*)(?: ([A-Z][A-Z0-9:_]*)(?= |$))?", line)
        if m:
            for name in m.group(1).split(", "):
                out.add(name + (" " + m.group(2) if m.group(2) else ""))
    return out


def help_entries(text, title):
    """The entries of a section of attachctl's help ('Options:'): the name and placeholder of each."""
    out, inside = [], False
    for line in text.splitlines():
        if line.startswith(title):
            inside = True
        elif not line:
            inside = False
        elif inside and re.match(r"^  \S", line):
            out.append(line[2:].split("  ")[0])
    return out


def test_lint():
    p = subprocess.run(["mandoc", "-T", "lint"] + PAGES, cwd=MAN, capture_output=True, text=True,
                       check=False)
    check("mandoc -T lint reports nothing", p.returncode == 0 and not (p.stdout + p.stderr).strip(),
          p.stdout + p.stderr + "(exit %d)" % p.returncode)
    for page in PAGES:
        name, sec = page.rsplit(".", 1)
        lines = read(page)
        dt = [l.split()[1:3] for l in lines if l.startswith(".Dt ")]
        nm = [l.split()[1] for l in lines if l.startswith(".Nm ")][:1]
        check("%s: .Dt and .Nm name it" % page, dt == [[name.upper(), sec]] and nm == [name], (dt, nm))


def test_attachd():
    page = set()
    for head, _ in items(section(read("attachd.8"), "OPTIONS")):
        page |= flags(head)
    same("attachd(8) OPTIONS are attachd --help's", page, help_options(run(BUILD + "/attachd", "--help")),
         "attachd(8)", "attachd --help")


def test_attachctl():
    lines = read("attachctl.8")
    top = run(BUILD + "/attachctl", "--help")
    page = set()
    for head, _ in items(section(lines, "OPTIONS")):
        page |= flags(head)
    prog = set()
    for entry in help_entries(top, "Global options"):
        names = entry.split(", ")
        meta = names[-1].split(" ", 1)[1:] if " " in names[-1] else []
        for n in names:
            prog.add(n.split(" ")[0] + (" " + meta[0] if meta else ""))
    same("attachctl(8) OPTIONS are attachctl --help's global options", page, prog, "attachctl(8)",
         "attachctl --help")
    entries = {}
    for head, nested in items(section(lines, "SUBCOMMANDS")):
        m = re.match(r"Cm (\S+)", head)
        if m:
            entries[m.group(1)] = (head, nested)
    subs = [e.split(" ")[0] for e in help_entries(top, "Subcommands")]
    same("attachctl(8) SUBCOMMANDS are attachctl --help's", entries, subs, "attachctl(8)", "attachctl --help")
    for sub in subs:
        if sub not in entries or sub == "help":
            continue
        head, nested = entries[sub]
        text = run(BUILD + "/attachctl", "help", sub)
        prog = set(help_entries(text, "Options:")) - {"none"}
        listed = set()
        for n in nested:
            listed |= flags(n)
        check("attachctl(8) %s: the synopsis is help %s's" % (sub, sub),
              flags(head) == prog and ("Ar VOL" in head) == ("VOL is the volume id" in text),
              "page: %s\nhelp: %s" % (sorted(flags(head)), sorted(prog)))
        check("attachctl(8) %s: its options are help %s's" % (sub, sub), listed == prog,
              "page: %s\nhelp: %s" % (sorted(listed), sorted(prog)))


def test_conf():
    lines = read("attachd.conf.5")
    text = run(BUILD + "/attachd", "--help")
    opts = {}
    for o in help_options(text):
        name, _, meta = o[2:].partition(" ")
        if name not in NOT_KEYS:
            opts[name] = meta or "true|false"
    keys = {}
    for head, _ in items(section(lines, "KEYS")):
        words = [w for w in head.split() if w not in MACROS]
        keys[words[0]] = "".join(words[1:])
    same("attachd.conf(5) KEYS are attachd's long options", keys, opts, "attachd.conf(5)", "attachd --help")
    wrong = ["%s: %s, not %s" % (k, keys[k], opts[k]) for k in keys if k in opts and keys[k] != opts[k]]
    check("attachd.conf(5) KEYS take the options' values (a flag: true|false)", not wrong, "\n".join(wrong))
    # the options whose help (with its continuation lines) says they repeat
    repeat, last = set(), None
    for line in text.splitlines():
        m = re.match(r"^  --([a-z][a-z-]*)", line)
        last = m.group(1) if m else (last if line.startswith("    ") else None)
        if last and last not in NOT_KEYS and re.search(r"\brepeat", line):
            repeat.add(last)
    pq = [l for l in section(lines, "DESCRIPTION") if l.startswith(".Pq Cm ")]
    listed = {w for l in pq for w in l.split() if w not in {".Pq", "Cm", ","}}
    same("attachd.conf(5) repeatable keys are the options that repeat", listed, repeat, "attachd.conf(5)",
         "attachd --help")
    with open(os.path.join(ROOT, "etc", "attachd.conf"), encoding="utf-8") as f:
        example = {m.group(1) for m in (re.match(r"^#? ?([a-z][a-z-]*) = \S", l) for l in f) if m}
    same("etc/attachd.conf shows every key, and only keys", example, keys, "etc/attachd.conf", "attachd.conf(5)")


def norm(proto):
    """A prototype with one spelling of its blanks."""
    proto = re.sub(r"\s+", " ", proto).strip()
    return re.sub(r"\s*([*()\[\],])\s*", r"\1", proto)


def header_prototypes():
    with open(os.path.join(ROOT, "proto", "attach.h"), encoding="utf-8") as f:
        text = re.sub(r"/\*.*?\*/", " ", f.read(), flags=re.S)
    text = re.sub(r"^\s*#.*$", " ", text, flags=re.M)
    out = {}
    for m in re.finditer(r"([A-Za-z_][\w\s\*]*?)\b(attach_\w+)\s*\(([^;{]*?)\)\s*;", text):
        ret = m.group(1).split("}")[-1].split(";")[-1]
        out[m.group(2)] = norm("%s %s(%s)" % (ret, m.group(2), m.group(3)))
    return out


def page_prototypes(lines):
    out, ret, fo = {}, None, None
    for line in section(lines, "SYNOPSIS"):
        if line.startswith(".Ft "):
            ret = line[4:]
        elif line.startswith(".Fn "):
            name, args = line[4:].split(" ", 1)
            args = re.findall(r'"([^"]*)"|(\S+)', args)
            out[name] = norm("%s %s(%s)" % (ret, name, ", ".join(a or b for a, b in args)))
        elif line.startswith(".Fo "):
            fo = [line[4:].strip()]
        elif line.startswith(".Fa ") and fo:
            fo.append(line[4:].strip().strip('"'))
        elif line.startswith(".Fc") and fo:
            out[fo[0]] = norm("%s %s(%s)" % (ret, fo[0], ", ".join(fo[1:])))
            fo = None
    return out


def test_libattach():
    lines = read("libattach.3")
    with open(os.path.join(ROOT, "proto", "libattach.map"), encoding="utf-8") as f:
        nodes = re.findall(r"^(\w+)\s*\{", f.read(), flags=re.M)
    syms = run("readelf", "--dyn-syms", "-W", BUILD + "/libattach.so.1")
    exported = set()
    for line in syms.splitlines():
        w = line.split()
        if len(w) >= 8 and w[3] == "FUNC" and w[6] != "UND" and "@" in w[7]:
            name, _, node = w[7].partition("@")
            if node.lstrip("@") in nodes:
                exported.add(name)
    documented = page_prototypes(lines)
    same("libattach(3) documents exactly the functions libattach.so.1 exports (%s)" % ", ".join(nodes),
         documented, exported, "libattach(3)", "libattach.so.1")
    declared = header_prototypes()
    same("attach.h declares exactly the exported functions", declared, exported, "attach.h", "libattach.so.1")
    wrong = ["page:   %s\nheader: %s" % (documented[n], declared[n]) for n in sorted(documented)
             if n in declared and documented[n] != declared[n]]
    check("libattach(3) prototypes are attach.h's", not wrong, "\n".join(wrong))
    described = {m for l in section(lines, "DESCRIPTION") for m in re.findall(r"^\.Fn (attach_\w+)", l)}
    missing = sorted(set(documented) - described)
    check("libattach(3) describes every function it lists", not missing, ", ".join(missing))


def main():
    for test in (test_lint, test_attachd, test_attachctl, test_conf, test_libattach):
        try:
            test()
        except (OSError, ValueError, KeyError, IndexError) as e:
            check("%s ran" % test.__name__, False, repr(e))
    print("1..%d" % len(results))
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
