"""Every shell command in README.md and docs/*.md names scripts and configs that exist and
flags that the script's argument parser defines (read from its ``add_argument`` calls;
the launchers pass theirs on to tools/train.py or tools/test.py)."""
import ast
import re
import shlex
from pathlib import Path
from typing import Dict, List, Set, Tuple

import pytest

REPO = Path(__file__).resolve().parents[2]
PAGES = [REPO / 'README.md', *sorted((REPO / 'docs').glob('*.md'))]
# Launchers and the tool whose flags they pass on.
LAUNCHED = {'tools/dist_train.sh': 'tools/train.py', 'tools/slurm_train.sh': 'tools/train.py',
            'tools/dist_test.sh': 'tools/test.py', 'tools/slurm_test.sh': 'tools/test.py'}


def shell_commands(page: Path) -> List[str]:
    """The commands of the page's ```bash blocks: continuation lines joined, comments
    and environment assignments dropped."""
    commands = []
    for block in re.findall(r'```bash\n(.*?)```', page.read_text(), flags=re.S):
        for line in block.replace('\\\n', ' ').splitlines():
            line = re.sub(r'(^|\s)#.*$', '', line).strip()
            words = line.split()
            while words and re.match(r'^[A-Z_]+=', words[0]):
                words.pop(0)
            if words:
                commands.append(' '.join(words))
    return commands


def parser_flags(script: Path) -> Set[str]:
    """The option strings of every ``add_argument`` call of a Python tool."""
    flags = set()
    for node in ast.walk(ast.parse(script.read_text())):
        if isinstance(node, ast.Call) and getattr(node.func, 'attr', '') == 'add_argument':
            flags |= {a.value for a in node.args
                      if isinstance(a, ast.Constant) and str(a.value).startswith('--')}
    return flags | {'--help'}


def checks(command: str) -> List[Tuple[str, str]]:
    """(script, word) pairs to check in one command: the script itself, the configs and
    flags it is given."""
    words = [w for w in shlex.split(command.replace('[', ' ').replace(']', ' '))
             if w not in ('|', '...')]
    program = next((w for w in words if re.search(r'tools/\S+\.(py|sh)$', w)), None)
    if words[0] == 'make':
        return [('Makefile', w) for w in words[1:]]
    if program is None:
        return []
    script = re.sub(r'^.*?(tools/)', r'\1', program)
    rest = words[words.index(program) + 1:]
    return [(script, script)] + [(script, w) for w in rest
                                 if w.startswith('--') or re.match(r'^(\S*/)?configs/', w)]


CASES = sorted({(page.name, command) for page in PAGES for command in shell_commands(page)})


def test_the_pages_have_commands():
    names = {name for name, _ in CASES}
    assert {'README.md', 'train_test.md', 'dataset_prepare.md'} <= names
    assert len(CASES) > 60


@pytest.mark.parametrize('page,command', CASES)
def test_command_runs_as_printed(page, command):
    flags: Dict[str, Set[str]] = {}
    for script, word in checks(command):
        if script == 'Makefile':
            assert re.search(rf'^{re.escape(word)}:', (REPO / 'Makefile').read_text(), re.M), \
                f'{page}: make {word}: no such target'
            continue
        assert (REPO / script).is_file(), f'{page}: {script} does not exist'
        if word.startswith('--'):
            tool = LAUNCHED.get(script, script)
            if tool not in flags:
                flags[tool] = parser_flags(REPO / tool)
            flag = word.split('=')[0]
            assert flag in flags[tool], f'{page}: {tool} has no {flag}'
        elif word != script:
            config = re.sub(r'^.*?(configs/)', r'\1', word)
            if '{' not in config and 'CONFIG' not in config:
                assert (REPO / config).is_file(), f'{page}: {config} does not exist'
