# SPDX-License-Identifier: Apache-2.0
"""The package installs with pip from the source tree, offline, into a virtual environment
(--no-build-isolation: the build backend is the system's setuptools and wheel, Debian's python3-setuptools
and python3-wheel; the venv needs python3-venv), and the installed copy imports and works against a
real agent. Uses the interpreter that runs the tests."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import world

PKG = os.path.join(world.ROOT, "python")


def run(args, **kw):
    r = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, **kw)
    if r.returncode != 0:
        raise AssertionError("%s: exit %d\n%s" % (" ".join(args), r.returncode, r.stdout[-3000:]))
    return r.stdout


class Install(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="attachd-py-install-")
        # a copy: pip builds in the source directory, which must stay clean
        cls.src = os.path.join(cls.tmp, "src")
        os.mkdir(cls.src)
        for name in ("pyproject.toml", "README.md"):
            shutil.copy(os.path.join(PKG, name), cls.src)
        shutil.copytree(os.path.join(PKG, "attachd"), os.path.join(cls.src, "attachd"),
                        ignore=shutil.ignore_patterns("__pycache__"))
        cls.venv = os.path.join(cls.tmp, "venv")
        cls.py = os.path.join(cls.venv, "bin", "python")
        cls.env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PIP_"))}
        cls.env.update(PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1", PYTHONDONTWRITEBYTECODE="1")
        try:
            run([sys.executable, "-m", "venv", "--system-site-packages", cls.venv], env=cls.env)
            cls.out = run([cls.py, "-m", "pip", "install", "--no-build-isolation", "--no-index", "--no-deps", cls.src],
                          env=cls.env, cwd=cls.tmp)
        except Exception:
            shutil.rmtree(cls.tmp, ignore_errors=True)
            raise

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def installed(self, code, *args):
        """@code run by the venv's interpreter, away from the source tree."""
        return run([self.py, "-c", code] + list(args), env=self.env, cwd=self.tmp)

    def test_pip_installed_the_package_and_its_metadata(self):
        self.assertIn("Successfully installed attachd-0.1.0", self.out)
        out = self.installed("import attachd, importlib.metadata as m, json; print(json.dumps([attachd.__file__, "
                             "attachd.__version__, m.version('attachd'), m.metadata('attachd')['Requires-Python'], "
                             "sorted(f.name for f in m.files('attachd') if f.suffix == '.py')]))")
        path, version, meta_version, requires, files = json.loads(out)
        self.assertTrue(path.startswith(os.path.join(self.venv, "lib")), path)
        self.assertEqual((version, meta_version, requires), ("0.1.0", "0.1.0", ">=3.9"))
        self.assertEqual(files, ["__init__.py", "client.py", "errors.py", "protocol.py", "results.py", "validate.py"])

    def test_the_installed_package_works(self):
        w = world.World(disks=1, first_minor=140)
        self.addCleanup(w.free)
        w.start()
        out = self.installed("""
import json, sys, attachd
with attachd.Client(sys.argv[1], timeout=10) as c:
    vol = c.volume_create(sys.argv[2], name="installed")
    c.reserve(vol)
    info = c.initialize_connection(vol, "iqn.2004-10.org.example:installed")
    try:
        c.reserve(vol)
    except attachd.Already as e:
        print(json.dumps([vol, info, e.status, e.errno]))
""", w.sock, w.disks[0])
        vol, info, status, err = json.loads(out)
        self.assertEqual((status, err), (18, 114))
        line, _ = w.ctl_json("initialize-connection", vol, "--initiator", "iqn.2004-10.org.example:installed")
        self.assertEqual(json.dumps(info), line)

    def test_the_installed_package_is_the_trees(self):
        for name in sorted(os.listdir(os.path.join(PKG, "attachd"))):
            if not name.endswith(".py"):
                continue
            out = self.installed("import attachd, os, sys; print(open(os.path.join(os.path.dirname(attachd.__file__), "
                                 "sys.argv[1])).read(), end='')", name)
            with open(os.path.join(PKG, "attachd", name)) as f:
                self.assertEqual(out, f.read(), name)


if __name__ == "__main__":
    unittest.main()
