"""Serve recorded files to people allowed to see them, with HTTP range requests so a <video> can seek.

Nothing under MEDIA_ROOT is public: each view checks access first, then answers with one of these.
"""

import mimetypes
import os
import re

from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header

CHUNK = 64 * 1024
RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
CONTENT_TYPES = {".webm": "video/webm", ".mp4": "video/mp4", ".mkv": "video/x-matroska"}


def content_type_of(name):
    extension = os.path.splitext(name)[1].lower()
    return CONTENT_TYPES.get(extension) or mimetypes.guess_type(name)[0] or "application/octet-stream"


def file_response(request, field_file, as_attachment=False):
    """Answer with the stored file, or the byte range asked for (206), or 416 for a range outside it.

    Raise OSError when the file is no longer stored.
    """
    name = os.path.basename(field_file.name)
    content_type = content_type_of(name)
    handle = field_file.open("rb")
    size = field_file.size
    wanted = parse_range(request.headers.get("Range", ""), size)
    if wanted is None:
        response = FileResponse(handle, as_attachment=as_attachment, filename=name, content_type=content_type)
    elif wanted == "unsatisfiable":
        handle.close()
        response = HttpResponse(status=416, content_type="text/plain")
        response["Content-Range"] = f"bytes */{size}"
        return response
    else:
        start, end = wanted
        handle.seek(start)
        response = StreamingHttpResponse(read_range(handle, end - start + 1), status=206, content_type=content_type)
        response["Content-Length"] = str(end - start + 1)
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
        response["Content-Disposition"] = content_disposition_header(as_attachment, name)
    response["Accept-Ranges"] = "bytes"
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def parse_range(header, size):
    """Return None (no usable Range: send it all), "unsatisfiable", or (first, last) byte, inclusive.

    Only single ranges are served; a header this cannot read is ignored, as RFC 9110 allows.
    """
    match = RANGE.match(header.strip())
    if not match or (not match.group(1) and not match.group(2)):
        return None
    first, last = match.groups()
    if not first:  # the last N bytes
        length = int(last)
        if length == 0:
            return "unsatisfiable"
        return max(0, size - length), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or (last and int(last) < start):
        return "unsatisfiable"
    return start, end


def read_range(handle, length):
    try:
        while length > 0:
            chunk = handle.read(min(CHUNK, length))
            if not chunk:
                break
            length -= len(chunk)
            yield chunk
    finally:
        handle.close()
