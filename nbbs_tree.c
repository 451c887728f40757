// SPDX-License-Identifier: GPL-2.0
/*
 * The "tree" layout of the nbbs buddy tree: one 64-bit word per node.
 *
 * In the terms of the encoding contract (nbbs_internal.h), rows of one
 * level: each word holds one node, local node 1, which is its own bottom
 * node.  A word of a level above 0:
 *
 *   bit 0      OCC     the node is allocated as one block
 *   bit 1, 2   PART_L, PART_R
 *                      the left/right child's subtree holds, or is being
 *                      given, at least one block
 *   bit 3, 4   COAL_L, COAL_R
 *                      a release is about to clear PART_L/PART_R
 *   bits 5-63  version: 59 bits
 *
 * A word of level 0, a smallest block, has only OCC; its version is bits
 * 1-63.  A node may be allocated when its status bits are all 0.
 *
 * Every allocation and release writes one word per level it crosses, so
 * this layout costs more atomics per call than the packed one; each CAS
 * writes less that other CPUs share, and its words are simpler to read in
 * a dump.  Words are 8 bytes: about 16 bytes per smallest block, 0.4% of
 * an arena of 4 KiB blocks.
 */
/* Included by nbbs_protocol.c, which compiles the protocol for it. */

static const struct nbbs_encoding nbbs_tree_encoding = {
	.layout = NBBS_LAYOUT_TREE,
	.name = "tree",
	.levels = 1,
	.sub = { [1] = 0x1f },	/* OCC and the four marks */
	.anc = { [1] = 0 },	/* the only node in its word */
};
