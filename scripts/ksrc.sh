#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Extract the parts of Debian's linux-source-6.12 that nbbs builds with
# (checkpatch, kernel-doc, kselftest headers and lib.mk, the Sphinx
# extensions of Documentation/sphinx) into build/ksrc.  Prints the path of
# the extracted tree.  Extraction happens once per source tarball and list
# of parts: the directory is keyed by the tarball's name, and a part added
# to the list below is extracted on the next call.
#
#   scripts/ksrc.sh            -> build/ksrc/linux-source-6.12
set -eu
top=$(realpath "$(dirname "$0")/..")
tarball=$(ls /usr/src/linux-source-6.12*.tar.xz 2>/dev/null | sort -V | tail -n 1)
if [ -z "$tarball" ]; then
	echo "ksrc: /usr/src/linux-source-6.12.tar.xz missing (run make deps)" >&2
	exit 1
fi
name=$(basename "$tarball" .tar.xz)
dest=$top/build/ksrc
parts=(
	scripts/checkpatch.pl scripts/spelling.txt
	scripts/const_structs.checkpatch scripts/kernel-doc
	tools/testing/selftests/kselftest.h
	tools/testing/selftests/kselftest
	tools/testing/selftests/lib.mk
	Documentation/sphinx
)
stamp="$dest/$name/.extracted"
if [ ! -e "$stamp" ] || [ "$(cat "$stamp")" != "${parts[*]}" ]; then
	mkdir -p "$dest"
	tar -C "$dest" -xf "$tarball" "${parts[@]/#/$name/}"
	echo "${parts[*]}" >"$stamp"
fi
echo "$dest/$name"
