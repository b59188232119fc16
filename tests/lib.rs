//! Integration tests live in `api/`; this empty library only anchors the package.
