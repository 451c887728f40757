# SPDX-License-Identifier: GPL-2.0
#
# Sphinx configuration of the nbbs documentation, rendered by `make docs`
# (mk/docs.mk) with Debian's python3-sphinx.
#
# The kernel's own Sphinx extensions (kerneldoc, kernel_include, automarkup,
# rstFlatTable) and scripts/kernel-doc are not part of this repository: they
# come from Debian's linux-source-6.12, extracted into build/ksrc by
# scripts/ksrc.sh.  mk/docs.mk passes that tree in NBBS_KSRC.

import os
import sys

srctree = os.path.abspath(os.path.join(os.path.dirname(__file__), '..'))
ksrc = os.environ.get('NBBS_KSRC',
                      os.path.join(srctree, 'build', 'ksrc', 'linux-source-6.12'))
sys.path.insert(0, os.path.join(ksrc, 'Documentation', 'sphinx'))

project = 'nbbs'
copyright = 'The nbbs authors'
author = 'The nbbs authors'

extensions = ['kerneldoc', 'rstFlatTable', 'kernel_include', 'automarkup']

# kernel-doc reads the sources relative to the top of the repository.
kerneldoc_bin = os.path.join(ksrc, 'scripts', 'kernel-doc')
kerneldoc_srctree = srctree
kerneldoc_verbosity = 0

# As the kernel does: plain C, and `foo()` in the text links to its
# kernel-doc entry.
primary_domain = 'c'
highlight_language = 'none'

master_doc = 'index'
source_suffix = '.rst'
exclude_patterns = []
templates_path = []

html_theme = 'alabaster'
html_static_path = []
html_title = 'nbbs documentation'
html_show_sourcelink = False

# Types of the kernel's own headers that nbbs's prototypes mention: with
# `sphinx-build -n` every other reference must resolve to a kernel-doc entry.
nitpick_ignore = [('c:identifier', t) for t in
                  ('size_t', 'gfp_t', 'u32', 'u64', 'bool', 'atomic_t',
                   'phys_addr_t')]
