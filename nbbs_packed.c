// SPDX-License-Identifier: GPL-2.0
/*
 * The "packed" layout of the nbbs buddy tree: three levels in one 64-bit
 * word, the default on 64-bit kernels.
 *
 * In the terms of the encoding contract (nbbs_internal.h), rows of three
 * levels: a word of row j is the subtree of height three under one node
 * of level 3j + 2, numbered locally in heap order:
 *
 *                 1                level 3j + 2
 *         2               3        level 3j + 1
 *     4       5       6       7    level 3j      (bottom)
 *
 * Bits of a word:
 *
 *   0 .. 6     OCC of local node 1 .. 7 (bit b - 1)
 *   7 .. 22    rows above 0 only: four bits per bottom node b, at
 *              7 + 4 * (b - 4): PART_L, PART_R, COAL_L, COAL_R for the
 *              two words of row j - 1 under it
 *   23 .. 63   version of a word of row j > 0: 41 bits
 *   7 .. 63    version of a word of row 0: 57 bits
 *
 * The version is what keeps a release's CAS on the word above from
 * succeeding on a word that changed and changed back: a wrap takes 2^41
 * successful CAS on one word, which at one CAS per nanosecond is more than
 * half an hour of nothing but writes to that word, during a single stall
 * of one call with preemption off ("Versions" in nbbs_core.c).  Rows of
 * four levels, as before, left 17 bits: 5 ms of work.
 *
 * An allocation of order k costs one CAS in the word of level k plus at
 * most one per row above it, and a release about twice that, instead of one
 * or two per level.  With 4 KiB blocks the words of row 0 cost two bytes
 * per smallest block, all rows together about 2.3 bytes, 0.06% of the
 * arena.
 */
/* Included by nbbs_protocol.c, which compiles the protocol for it. */

/*
 * sub[b]: b's OCC, the OCC of the local nodes below it and the four marks
 * of each bottom node under it; anc[b]: the OCC bits of 1, or of 1 and b's
 * parent.
 */
static const struct nbbs_encoding nbbs_packed_encoding = {
	.layout = NBBS_LAYOUT_PACKED,
	.name = "packed",
	.levels = 3,
	.sub = {
		[1] = 0x7fffff, [2] = 0x007f9a, [3] = 0x7f8064,
		[4] = 0x000788, [5] = 0x007810, [6] = 0x078020, [7] = 0x780040,
	},
	.anc = {
		[2] = 0x1, [3] = 0x1, [4] = 0x3, [5] = 0x3, [6] = 0x5, [7] = 0x5,
	},
};
