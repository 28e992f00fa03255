#!/usr/bin/env python3
"""cellphase at the microscope: post each new frame to `cellphase serve`, act on the events it returns.

cellphase is the Analyzer and Interpreter of event-driven microscopy; the acquisition software is the
Actuator. Every field is sent to `POST /v1/fields`; the answer lists every nucleus (class, confidence,
probabilities) and the events fired by the server's rules (`cellphase serve --rules rules.json`), each
already shaped as a useq-schema `MDAEvent` ({"index", "pos_name", "x_pos", "y_pos", "metadata":
{"cellphase": {...}}}), so:

* pymmcore-plus: `queue.put(useq.MDAEvent(**event))` feeds a reactive `CMMCorePlus.run_mda(iter(queue.get, None))`;
* Pycro-Manager: `event_queue.put(to_pycromanager(event))` (same x/y/z, axes from the index).

Standalone check (standard library only):

    cellphase serve --model MODEL --rules rules.json &
    python3 scripts/pycromanager_hook.py --demo FIELD.tif [--stage-x 1000 --stage-y 2000 --pixel-size 0.65]

Inside Pycro-Manager (numpy frames, stage position from the image metadata):

    from pycromanager import Acquisition, multi_d_acquisition_events
    from pycromanager_hook import image_process_fn
    with Acquisition(directory="run", name="screen", image_process_fn=image_process_fn) as acq:
        acq.acquire(multi_d_acquisition_events(xy_positions=positions))

Environment: CELLPHASE_URL (default http://127.0.0.1:8765), CELLPHASE_TOKEN (bearer token, if the
server has one), CELLPHASE_TIMEOUT (seconds, default 10).
"""
import argparse
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request

URL = os.environ.get("CELLPHASE_URL", "http://127.0.0.1:8765")
TOKEN = os.environ.get("CELLPHASE_TOKEN")
TIMEOUT = float(os.environ.get("CELLPHASE_TIMEOUT", "10"))


def post_field(body, params=None, url=None, token=None, timeout=None):
    """POST one field (TIFF/PNG bytes, or raw samples with width/height/dtype in params); returns the JSON answer."""
    query = urllib.parse.urlencode({k: v for k, v in (params or {}).items() if v is not None})
    req = urllib.request.Request((url or URL) + "/v1/fields" + ("?" + query if query else ""), data=body, method="POST")
    req.add_header("Content-Type", "application/octet-stream")
    if token or TOKEN:
        req.add_header("Authorization", "Bearer " + (token or TOKEN))
    try:
        with urllib.request.urlopen(req, timeout=timeout or TIMEOUT) as resp:
            return json.loads(resp.read())
    except urllib.error.HTTPError as e:  # 4xx/5xx carry {"error": message, "status": code}
        detail = e.read().decode("utf-8", "replace")
        raise RuntimeError(f"cellphase answered {e.code}: {detail}") from None


def analyze_array(image, stage_x=None, stage_y=None, pixel_size=None, frame=None, **kw):
    """Sends a 2-D numpy array (uint8/uint16) as raw little-endian samples; no file encoding needed."""
    dtype = {"uint8": "uint8", "uint16": "uint16"}.get(str(image.dtype))
    if dtype is None:
        image, dtype = image.astype("<u2"), "uint16"
    h, w = image.shape[-2:]
    body = image.astype("<u1" if dtype == "uint8" else "<u2", copy=False).tobytes()
    params = {"width": w, "height": h, "dtype": dtype, "stage_x": stage_x, "stage_y": stage_y,
              "pixel_size": pixel_size, "frame": frame}
    return post_field(body, params, **kw)


def to_pycromanager(event):
    """A useq MDAEvent dict → a Pycro-Manager acquisition event (axes + stage targets)."""
    out = {"axes": dict(event.get("index", {})), "cellphase": event.get("metadata", {}).get("cellphase", {})}
    for src, dst in (("x_pos", "x"), ("y_pos", "y"), ("z_pos", "z")):
        if event.get(src) is not None:
            out[dst] = event[src]
    out["axes"]["cellphase_event"] = out["axes"].pop("p", 0)
    return out


def image_process_fn(image, metadata, event_queue=None):
    """Pycro-Manager image processor: analyse the frame, queue the events, pass the frame on."""
    try:
        answer = analyze_array(image, stage_x=metadata.get("XPositionUm"), stage_y=metadata.get("YPositionUm"),
                               pixel_size=metadata.get("PixelSizeUm") or None,
                               frame=(metadata.get("Axes") or {}).get("time"))
    except Exception as e:  # never break the acquisition because the analyser is down
        print("cellphase:", e, file=sys.stderr)
        return image, metadata
    metadata["cellphase_counts"] = json.dumps(answer["counts"])
    for event in answer["events"]:
        if event_queue is not None:
            event_queue.put(to_pycromanager(event))
    return image, metadata


def pymmcore_plus_hook(core, queue):
    """pymmcore-plus: analyse every frame and put the returned useq.MDAEvents on `queue` unchanged."""
    import useq  # noqa: imported only when used with pymmcore-plus

    @core.mda.events.frameReady.connect
    def _on_frame(img, event, *meta):
        answer = analyze_array(img, stage_x=event.x_pos, stage_y=event.y_pos, pixel_size=core.getPixelSizeUm() or None,
                               frame=event.index.get("t"))
        for ev in answer["events"]:
            queue.put(useq.MDAEvent(**ev))
    return _on_frame


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--demo", metavar="FIELD", required=True, help="a TIFF or PNG field to post")
    p.add_argument("--url", default=URL)
    p.add_argument("--token", default=TOKEN)
    p.add_argument("--stage-x", type=float)
    p.add_argument("--stage-y", type=float)
    p.add_argument("--pixel-size", type=float)
    a = p.parse_args()
    with open(a.demo, "rb") as f:
        body = f.read()
    answer = post_field(body, {"stage_x": a.stage_x, "stage_y": a.stage_y, "pixel_size": a.pixel_size,
                               "name": os.path.basename(a.demo)}, url=a.url, token=a.token)
    t = answer["timings"]
    print(f"{a.demo}: {len(answer['objects'])} objects {answer['counts']} in {t['total_ms']:.1f} ms "
          f"(segment {t['segment_ms']:.1f}, classify {t['classify_ms']:.1f}); {len(answer['events'])} events",
          file=sys.stderr)
    for event in answer["events"]:
        print(json.dumps(event))


if __name__ == "__main__":
    main()
