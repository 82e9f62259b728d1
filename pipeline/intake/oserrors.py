"""Why the operating system would not let a file or folder be read or written, in words for the people who fix it.

`OSError.strerror` is English ("Permission denied"); findings and error messages are Chinese.
"""

from __future__ import annotations

import errno

_REASONS = {
    errno.EACCES: "没有{action}权限",
    errno.EPERM: "没有{action}权限",
    errno.ENOENT: "不存在（可能在读取时被移动或删除）",
    errno.ENOTDIR: "路径中有一部分不是文件夹",
    errno.EISDIR: "是文件夹，不是文件",
    errno.ELOOP: "符号链接层数过多",
    errno.ENAMETOOLONG: "路径过长",
    errno.EIO: "读取时发生输入输出错误（磁盘或网络共享可能有故障）",
    errno.EMFILE: "同时打开的文件过多",
    errno.ENFILE: "同时打开的文件过多",
    errno.ENOSPC: "磁盘空间不足",
    errno.EDQUOT: "超出磁盘配额",
    errno.EROFS: "位于只读的文件系统上",
}


def os_reason(exc: OSError, action: str = "读取") -> str:
    """`没有读取权限` for EACCES (`action`: 读取 or 写入); the errno's name for an error without Chinese words here."""
    reason = _REASONS.get(exc.errno or 0)
    if reason:
        return reason.format(action=action)
    name = errno.errorcode.get(exc.errno or 0)
    return f"系统错误 {name}" if name else "系统错误"


__all__ = ["os_reason"]
