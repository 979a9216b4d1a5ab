# Sourced by the launchers: sets `python` to the project's environment ($MMDN_VENV, else
# the repo's .venv) when it exists, else the python on PATH.
python=python
for venv in ${MMDN_VENV:+"$MMDN_VENV"} "$(dirname "${BASH_SOURCE[0]}")/../.venv"; do
  if [[ -x $venv/bin/python ]]; then python=$venv/bin/python; break; fi
done
