#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Extract the parts of Debian's linux-source-6.12 that nbbs builds with
# (checkpatch, kernel-doc, kselftest headers and lib.mk) into build/ksrc.
# Prints the path of the extracted tree.  Extraction happens once per
# source tarball: the directory is keyed by the tarball's name.
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
if [ ! -e "$dest/$name/.extracted" ]; then
	mkdir -p "$dest"
	tar -C "$dest" -xf "$tarball" \
		"$name/scripts/checkpatch.pl" "$name/scripts/spelling.txt" \
		"$name/scripts/const_structs.checkpatch" "$name/scripts/kernel-doc" \
		"$name/tools/testing/selftests/kselftest.h" \
		"$name/tools/testing/selftests/kselftest" \
		"$name/tools/testing/selftests/lib.mk"
	touch "$dest/$name/.extracted"
fi
echo "$dest/$name"
