"""A study's per-row files in one compressed archive beside its table, plot and commands.

The study driver (OUT/runs.tar.gz: runs/NAME.jsonl, ardiff's outputs of one row without their
`source` field, and runs/NAME.meta.json, what the row depends on) and the learning curve
(OUT/rows.tar.gz: rows/step-S.jsonl and rows/step-S.json) keep their rows here rather than as
hundreds of loose files. `tar -xzf runs.tar.gz` in the study folder unpacks them to the paths
its commands.sh names. The archive is written whole, atomically (temp file + rename), after
every row, so a run stopped by a deadline keeps the rows it finished; and deterministically
(members sorted by name, mtime 0, owner root, mode 0644, gzip header without name or time), so
the same rows give the same bytes.
"""
import gzip
import io
import json
import os
import tarfile


class RunArchive:
    """The members of one .tar.gz, read once, rewritten whole by put()."""

    def __init__(self, path):
        self.path = path
        self._members = None

    def _load(self):
        if self._members is None:
            self._members = {}
            if os.path.exists(self.path):
                with tarfile.open(self.path, "r:gz") as tar:
                    for m in tar.getmembers():
                        if m.isfile():
                            self._members[m.name] = tar.extractfile(m).read()
        return self._members

    def names(self):
        return sorted(self._load())

    def read(self, name):
        """-> the member's bytes, or None."""
        return self._load().get(name)

    def read_json(self, name):
        data = self.read(name)
        return None if data is None else json.loads(data)

    def read_jsonl(self, name):
        data = self.read(name)
        return None if data is None else [json.loads(x) for x in data.decode("utf-8").splitlines()
                                          if x.strip()]

    def put(self, members):
        """Add or replace members ({name: bytes}) and rewrite the archive."""
        self._load().update(members)
        tmp = self.path + ".tmp"
        with open(tmp, "wb") as raw:
            with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
                with tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar:
                    for name in sorted(self._members):
                        data = self._members[name]
                        info = tarfile.TarInfo(name)
                        info.size, info.mtime, info.mode = len(data), 0, 0o644
                        info.uid = info.gid = 0
                        info.uname = info.gname = "root"
                        tar.addfile(info, io.BytesIO(data))
        os.replace(tmp, self.path)


def json_bytes(obj):
    return json.dumps(obj).encode()
