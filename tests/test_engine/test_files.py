import os
import stat

import pytest

from mmdn.engine import write_atomically


def test_writes_whole_or_leaves_the_previous_content(tmp_path):
    path = tmp_path / 'sub' / 'out.json'
    write_atomically(path, lambda tmp: open(tmp, 'w').write('{"a": 1}'))
    assert path.read_text() == '{"a": 1}'

    def fail_halfway(tmp):
        open(tmp, 'w').write('{"a":')
        raise RuntimeError('disk full')

    with pytest.raises(RuntimeError, match='disk full'):
        write_atomically(path, fail_halfway)
    assert path.read_text() == '{"a": 1}'
    assert [p.name for p in path.parent.iterdir()] == ['out.json']  # no temporary left


def test_file_gets_the_permissions_of_a_plain_write(tmp_path):
    umask = os.umask(0o022)
    try:
        write_atomically(tmp_path / 'out.json', lambda tmp: open(tmp, 'w').write('{}'))
    finally:
        os.umask(umask)
    assert stat.S_IMODE((tmp_path / 'out.json').stat().st_mode) == 0o644
