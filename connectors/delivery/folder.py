"""The folder destination: the file written beside its final name, flushed, then renamed into place."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from connectors.delivery.base import DeliveryError, Parcel, Receipt


class FolderDeliverer:
    """Delivers into `folder`; a reader never sees half a file, and the same parcel twice is one file."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def deliver(self, parcel: Parcel) -> Receipt:
        final = self.folder / parcel.file_name
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            if final.is_file() and hashlib.sha256(final.read_bytes()).hexdigest() == parcel.sha256:
                return Receipt(str(final), f"sha256={parcel.sha256} (already there)")
            fd, temp = tempfile.mkstemp(dir=self.folder, prefix=f".{parcel.file_name}.", suffix=".part")
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(parcel.content)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(temp, final)
            except BaseException:
                Path(temp).unlink(missing_ok=True)
                raise
        except OSError as e:
            raise DeliveryError(f"เขียนไฟล์ลงโฟลเดอร์ {self.folder} ไม่ได้ (cannot write to the folder): "
                                f"{e.strerror or e}") from e
        if final.stat().st_size != parcel.size:
            raise DeliveryError(f"ขนาดไฟล์ {final} ไม่ตรงกับที่ส่ง (size mismatch after writing)")
        return Receipt(str(final), f"sha256={parcel.sha256}")
