"""The HTTP layer: each face's envelope, paging, time formats and serialisers, the error
handler, and the request dependencies."""
