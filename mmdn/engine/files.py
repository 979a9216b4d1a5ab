"""Writing output files so that a reader never finds one half-written."""
import os
import tempfile
from pathlib import Path
from typing import Callable, Union


def write_atomically(path: Union[str, Path], write: Callable[[str], None]) -> None:
    """Calls ``write`` on a temporary file beside ``path``, then renames it to ``path``.

    ``path`` (and its folder, created if needed) holds either its previous content or the
    whole new one; if ``write`` raises, the temporary file is removed and ``path`` is
    left as it was.

    Args:
        path (str | Path): the destination.
        write (callable): writes the content to the file name it is given.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=f'{path.suffix}.tmp')
    os.close(fd)
    try:
        write(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp's file is private (0600)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
