#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Run the Python client's tests (python/tests/test_*.py, unittest) and print TAP: one "ok N - name" or
"not ok N - name" line per test ("# SKIP why" for a skipped one), the failure's traceback as "#" lines,
and "1..N". Exit status 1 on any failure or error. `make check` runs it as its "python" stage;
`python3 python/tests/tap.py [PATTERN...]` runs the tests whose id contains a pattern.
"""

import os
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))


class TapResult(unittest.TestResult):
    def __init__(self, stream):
        super().__init__()
        self.stream = stream
        self.n = 0
        self.started = 0.0

    def _line(self, text, detail=None):
        self.n += 1
        self.stream.write("%s %d - %s\n" % (text[0], self.n, text[1]))
        if detail:
            for line in detail.rstrip("\n").splitlines():
                self.stream.write("# %s\n" % line)
        self.stream.flush()

    @staticmethod
    def _name(test):
        # "test_calls.Calls.test_reserve_modes"; a failed class or module fixture reads
        # "setUpClass (test_calls.Calls)", and a module that does not import "test_x" (error)
        return test.id() if isinstance(test, unittest.TestCase) else str(test)

    def startTest(self, test):
        super().startTest(test)
        self.started = time.monotonic()

    def _took(self):
        return " (%.2f s)" % (time.monotonic() - self.started) if time.monotonic() - self.started > 2 else ""

    def addSuccess(self, test):
        super().addSuccess(test)
        self._line(("ok", self._name(test) + self._took()))

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._line(("not ok", self._name(test)), self._exc_info_to_string(err, test))

    def addError(self, test, err):
        super().addError(test, err)
        self._line(("not ok", self._name(test) + " (error)"), self._exc_info_to_string(err, test))

    def addSubTest(self, test, subtest, err):
        # a failed subTest is the test's failure (the test then reports no success of its own); passed
        # subtests are not lines of their own
        super().addSubTest(test, subtest, err)
        if err is not None:
            self._line(("not ok", "%s %s" % (self._name(test), subtest._subDescription())),
                       self._exc_info_to_string(err, test))

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self._line(("ok", "%s # SKIP %s" % (self._name(test), reason)))

    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err)
        self._line(("not ok", self._name(test) + " (expected failure: none are used here)"))

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self._line(("not ok", self._name(test) + " (unexpected success)"))


def _flatten(suite):
    for test in suite:
        if isinstance(test, unittest.TestSuite):
            yield from _flatten(test)
        else:
            yield test


def main(argv):
    sys.path.insert(0, HERE)
    loader = unittest.TestLoader()
    suite = loader.discover(HERE, pattern="test_*.py", top_level_dir=HERE)
    tests = list(_flatten(suite))
    if argv:  # a module that failed to import is a test named after it, and is kept by its name
        tests = [t for t in tests if any(pat in t.id() for pat in argv)]
    result = TapResult(sys.stdout)
    # a failed setUpClass is reported through addError, with the class's name
    unittest.TestSuite(tests).run(result)
    sys.stdout.write("1..%d\n" % result.n)
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
