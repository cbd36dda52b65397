#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The "python" stage of `make check` (python/python.mk): the Python client's tests as TAP
# (python/tests/tap.py), one line per test. Run by the system's interpreter, /usr/bin/python3 on Debian,
# which tests/deps.sh equips with python3-venv, python3-setuptools and python3-wheel for the offline
# install test; PYTHON=/path/to/python3 picks another. Arguments select tests by name (see tap.py).
set -u
cd "$(dirname "$0")/../.."
py=${PYTHON:-}
if [ -z "$py" ]; then
	if [ -x /usr/bin/python3 ]; then py=/usr/bin/python3; else py=$(command -v python3); fi
fi
export PYTHONDONTWRITEBYTECODE=1
exec "$py" python/tests/tap.py "$@"
