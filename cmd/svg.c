/*
 * svg.c - the SVG plots of rec-eval (see svg.h).
 */
#include <math.h>
#include <string.h>

#include "svg.h"

#define FONT "font-family=\"sans-serif\""

/* The length of the UTF-8 sequence at s (n bytes left), 0 if it is not
 * one. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len = s[0] < 0x80 ? 1 : (s[0] & 0xe0) == 0xc0 ? 2
		     : (s[0] & 0xf0) == 0xe0 ? 3 : (s[0] & 0xf8) == 0xf0 ? 4
		     : 0;
	if (len == 0 || len > n || (len == 2 && s[0] < 0xc2))
		return 0;
	for (size_t i = 1; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

/* Text as XML character data: markup escaped, control characters and
 * bytes that are not UTF-8 as '?'. */
static void put_text(FILE *f, const char *text)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t n = strlen(text);
	for (size_t i = 0; i < n;) {
		size_t len = utf8_len(s + i, n - i);
		if (len > 1) {
			fwrite(s + i, 1, len, f);
			i += len;
			continue;
		}
		unsigned char c = s[i++];
		if (c == '&')
			fputs("&amp;", f);
		else if (c == '<')
			fputs("&lt;", f);
		else if (c == '>')
			fputs("&gt;", f);
		else if (c == '"')
			fputs("&quot;", f);
		else
			fputc(len == 1 && c >= 0x20 && c != 0x7f ? c : '?', f);
	}
}

static double px(const struct svg_frame *fr, double x)
{
	return fr->left + (x - fr->xmin) / (fr->xmax - fr->xmin) * fr->width;
}

static double py(const struct svg_frame *fr, double y)
{
	return fr->top + fr->height -
	       (y - fr->ymin) / (fr->ymax - fr->ymin) * fr->height;
}

void svg_text(FILE *f, double x, double y, const char *anchor, int size,
	      const char *text)
{
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" "
		"font-size=\"%d\" " FONT ">", x, y, anchor, size);
	put_text(f, text);
	fputs("</text>\n", f);
}

void svg_begin(FILE *f, int width, int height, const char *title,
	       const char *caption)
{
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" "
		"width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">\n",
		width, height, width, height);
	fputs("<title>", f);
	put_text(f, title);
	fputs("</title>\n", f);
	fprintf(f, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" "
		"fill=\"white\"/>\n", width, height);
	svg_text(f, width / 2.0, 24, "middle", 15, title);
	svg_text(f, width / 2.0, height - 10, "middle", 11, caption);
}

void svg_end(FILE *f)
{
	fputs("</svg>\n", f);
}

/* Ticks from min to max every step: the count, so that rounding never
 * adds or drops the last. */
static int ticks(double min, double max, double step)
{
	return (int)floor((max - min) / step + 1e-9);
}

void svg_axes(FILE *f, const struct svg_frame *fr, double xstep,
	      double ystep, int xdecimals, int ydecimals, const char *xlabel,
	      const char *ylabel)
{
	fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
		"height=\"%.1f\" fill=\"none\" stroke=\"black\"/>\n",
		fr->left, fr->top, fr->width, fr->height);
	char label[64];
	double bottom = fr->top + fr->height;
	for (int i = 0, n = ticks(fr->xmin, fr->xmax, xstep); i <= n; i++) {
		double x = fr->xmin + i * xstep, X = px(fr, x);
		fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
			"y2=\"%.1f\" stroke=\"#dddddd\"/>\n", X, fr->top, X,
			bottom);
		fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
			"y2=\"%.1f\" stroke=\"black\"/>\n", X, bottom, X,
			bottom + 5);
		snprintf(label, sizeof(label), "%.*f", xdecimals, x);
		svg_text(f, X, bottom + 18, "middle", 11, label);
	}
	for (int i = 0, n = ticks(fr->ymin, fr->ymax, ystep); i <= n; i++) {
		double y = fr->ymin + i * ystep, Y = py(fr, y);
		fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
			"y2=\"%.1f\" stroke=\"#dddddd\"/>\n", fr->left, Y,
			fr->left + fr->width, Y);
		fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
			"y2=\"%.1f\" stroke=\"black\"/>\n", fr->left - 5, Y,
			fr->left, Y);
		snprintf(label, sizeof(label), "%.*f", ydecimals, y);
		svg_text(f, fr->left - 8, Y + 4, "end", 11, label);
	}
	if (xlabel)
		svg_text(f, fr->left + fr->width / 2, bottom + 36, "middle", 12,
			 xlabel);
	if (ylabel) {
		double x = fr->left - 44, y = fr->top + fr->height / 2;
		fprintf(f, "<g transform=\"rotate(-90 %.1f %.1f)\">\n", x, y);
		svg_text(f, x, y, "middle", 12, ylabel);
		fputs("</g>\n", f);
	}
}

void svg_line(FILE *f, const struct svg_frame *fr, const struct rec_point *p,
	      size_t n, const char *color, int dashed)
{
	fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"%s\"%s "
		"points=\"", color, dashed ? "1" : "2",
		dashed ? " stroke-dasharray=\"4 4\"" : "");
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s%.2f,%.2f", i ? " " : "", px(fr, p[i].x),
			py(fr, p[i].y));
	fputs("\"/>\n", f);
}

void svg_dot(FILE *f, const struct svg_frame *fr, struct rec_point p,
	     const char *color, const char *tip)
{
	fprintf(f, "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"4\" fill=\"%s\">"
		"<title>", px(fr, p.x), py(fr, p.y), color);
	put_text(f, tip);
	fputs("</title></circle>\n", f);
}

void svg_bar(FILE *f, const struct svg_frame *fr, double x0, double x1,
	     double y, const char *color, const char *tip)
{
	double top = py(fr, y), bottom = py(fr, fr->ymin);
	fprintf(f, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" "
		"height=\"%.2f\" fill=\"%s\" stroke=\"white\"><title>",
		px(fr, x0), top, px(fr, x1) - px(fr, x0), bottom - top, color);
	put_text(f, tip);
	fputs("</title></rect>\n", f);
}
