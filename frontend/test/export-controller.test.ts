import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ExportController, SHARE_LIFETIMES } from "../src/export-controller";
import { fakeHass, wsError } from "./helpers";

const START = Date.parse("2026-07-01T10:00:00Z");
const RANGE = { start: START, end: START + 40_000 };
const URL = "/api/heldar/export/tok/front_door_20260701_100000.mp4";

/** fetch answers these statuses in turn (the last one from then on); returns what was fetched. */
function serve(...statuses: number[]): RequestInit[] {
  const seen: RequestInit[] = [];
  vi.stubGlobal("fetch", (url: string, init: RequestInit) => {
    expect(url).toBe(URL);
    seen.push(init);
    const status = statuses[Math.min(seen.length - 1, statuses.length - 1)];
    return Promise.resolve(new Response(status === 206 ? "x" : "", { status }));
  });
  return seen;
}

function exporter(waitMs = 5_000) {
  const fake = fakeHass();
  fake.answer("heldar/export", () => ({
    path: "/media/heldar/exports/front_door_20260701_100000.mp4",
    url: URL,
    media_content_id: "media-source://heldar/export",
    seconds: 40.2,
    gaps: [{ start: "2026-07-01T10:00:10Z", end: "2026-07-01T10:00:12Z" }],
  }));
  const saved: [string, string][] = [];
  const messages: string[] = [];
  const controller = new ExportController({
    hass: () => fake.hass,
    camera: "sub1",
    save: (url, name) => saved.push([url, name]),
    waitMs,
    pollMs: 5,
  });
  controller.addEventListener("change", () => messages.push(controller.message));
  return { fake, controller, saved, messages };
}

beforeEach(() => vi.unstubAllGlobals());
afterEach(() => vi.unstubAllGlobals());

describe("the export controller", () => {
  it("exports the range, waits until the file is whole, then hands it to the browser", async () => {
    const fetched = serve(404, 404, 206);
    const { fake, controller, saved, messages } = exporter();
    const done = controller.download(RANGE);
    expect(controller.busy).toBe(true);
    await done;
    expect(fake.calls.find((c) => c.type === "heldar/export")).toEqual({
      type: "heldar/export",
      camera: "sub1",
      start: "2026-07-01T10:00:00.000Z",
      end: "2026-07-01T10:00:40.000Z",
    });
    expect(fetched).toHaveLength(3); // asked until it was there
    expect(fetched[0].headers).toEqual({ Range: "bytes=0-0" }); // only whether it is there
    expect(saved).toEqual([[URL, "front_door_20260701_100000.mp4"]]);
    expect(messages).toContain("Exporting 40 s, 1 gap(s) inside…");
    expect(controller.message).toBe("Exported 40 s, 1 gap(s) inside.");
    expect([controller.busy, controller.error]).toEqual([false, ""]);
  });

  it("does one export at a time", async () => {
    serve(206);
    const { fake, controller } = exporter();
    const first = controller.download(RANGE);
    await controller.download({ start: START, end: START + 5_000 });
    await first;
    expect(fake.calls.filter((c) => c.type === "heldar/export")).toHaveLength(1);
  });

  it("says why: the export refused, the download failed, or it took too long", async () => {
    serve(206);
    const refused = exporter();
    refused.fake.answer("heldar/export", () => {
      throw wsError("invalid_range", "Nothing was recorded in that range.");
    });
    await refused.controller.download(RANGE);
    expect([refused.controller.error, refused.controller.message, refused.controller.busy]).toEqual([
      "Nothing was recorded in that range.",
      "",
      false,
    ]);

    serve(404, 403);
    const forbidden = exporter();
    await forbidden.controller.download(RANGE);
    expect(forbidden.controller.error).toBe("The download failed (HTTP 403).");
    expect(forbidden.saved).toEqual([]);

    serve(404);
    const slow = exporter(30);
    await slow.controller.download(RANGE);
    expect(slow.controller.error).toBe("The export did not finish in time.");
    expect(slow.saved).toEqual([]);
  });
});

describe("sharing an event", () => {
  const ANSWER = {
    share_id: "a1b2c3d4e5f6",
    url: "https://home.example/api/heldar/share/abc.mp4",
    path: "/api/heldar/share/abc.mp4",
    expires: "2026-07-02T10:00:00+00:00",
  };

  it("offers an hour, a day and a week, none longer than Heldar allows", () => {
    expect(SHARE_LIFETIMES.map((choice) => choice.seconds)).toEqual([3_600, 86_400, 604_800]);
  });

  it("asks Home Assistant for a link to the event's clip that works as long as chosen", async () => {
    const { fake, controller } = exporter();
    fake.answer("heldar/share", () => ANSWER);
    const states: string[] = [];
    controller.addEventListener("change", () => states.push(controller.shares.get("ev1")?.state ?? "none"));
    await controller.share("ev1", 3_600);
    expect(fake.calls.filter((c) => c.type === "heldar/share")).toEqual([
      { type: "heldar/share", camera: "sub1", event_id: "ev1", expires_in: 3_600 },
    ]);
    expect(states).toEqual(["asking", "shared"]);
    expect(controller.shares.get("ev1")).toEqual({
      state: "shared",
      url: ANSWER.url,
      expires: Date.parse("2026-07-02T10:00:00Z"),
    });
    expect(controller.shares.has("ev2")).toBe(false);
  });

  it("makes one link at a time per event, and says why one was refused", async () => {
    const { fake, controller } = exporter();
    let answer: (value: typeof ANSWER) => void = () => undefined;
    fake.answer("heldar/share", () => new Promise((resolve) => (answer = resolve)));
    const first = controller.share("ev1", 86_400);
    await controller.share("ev1", 86_400);
    answer(ANSWER);
    await first;
    expect(fake.calls.filter((c) => c.type === "heldar/share")).toHaveLength(1);
    fake.answer("heldar/share", () => {
      throw wsError("share_no_clip", "Event ev2 has no finished clip to share.");
    });
    await controller.share("ev2", 86_400);
    expect(controller.shares.get("ev2")).toEqual({ state: "failed", error: "Event ev2 has no finished clip to share." });
    expect(controller.shares.get("ev1")?.state).toBe("shared");
  });
});
