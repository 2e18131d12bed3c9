/*
 * svg.h - small, self-contained SVG 1.1 plots for rec-eval's curves: a
 * frame with axes, ticks and labels, lines, dots and bars; no scripts, no
 * external fonts or style sheets.  Numbers are written in the C locale
 * (the programs never set another).
 */
#ifndef REC_CMD_SVG_H
#define REC_CMD_SVG_H

#include <stddef.h>
#include <stdio.h>

#include "rec.h"

/* A plot area: where it is on the page, in pixels, and the data range it
 * shows. */
struct svg_frame {
	double left, top, width, height;
	double xmin, xmax, ymin, ymax;
};

/* The document: its size, a title at the top and a caption at the foot
 * (both escaped; bytes that are not UTF-8 become '?'). */
void svg_begin(FILE *f, int width, int height, const char *title,
	       const char *caption);
void svg_end(FILE *f);
/* The frame's box, ticks and tick labels every step (data units) on each
 * axis, labelled with xdecimals and ydecimals digits, and the axis
 * names. */
void svg_axes(FILE *f, const struct svg_frame *fr, double xstep,
	      double ystep, int xdecimals, int ydecimals, const char *xlabel,
	      const char *ylabel);
/* A line through n points, dashed or not. */
void svg_line(FILE *f, const struct svg_frame *fr, const struct rec_point *p,
	      size_t n, const char *color, int dashed);
/* A dot at a point, with a tooltip. */
void svg_dot(FILE *f, const struct svg_frame *fr, struct rec_point p,
	     const char *color, const char *tip);
/* A bar from y = ymin up to y, between x0 and x1. */
void svg_bar(FILE *f, const struct svg_frame *fr, double x0, double x1,
	     double y, const char *color, const char *tip);
/* Text at a pixel position; anchor is "start", "middle" or "end". */
void svg_text(FILE *f, double x, double y, const char *anchor, int size,
	      const char *text);

#endif
