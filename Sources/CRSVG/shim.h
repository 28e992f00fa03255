#ifndef CRSVG_SHIM_H
#define CRSVG_SHIM_H
/* librsvg's deprecated entry points (rsvg_handle_render_cairo, get_dimensions, ...) are not used; keep their
   G_DEPRECATED attributes out of the imported declarations. */
#define RSVG_DISABLE_DEPRECATION_WARNINGS 1
#include <librsvg/rsvg.h>   /* pulls in glib-object.h, gio/gio.h, cairo.h, gdk-pixbuf.h */
#include <cairo.h>
#endif
