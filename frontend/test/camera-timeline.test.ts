import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { HeldarCameraTimeline } from "../src/camera-timeline";
import type { HeldarLivePicture } from "../src/live-picture";
import type { HeldarTimelineBar } from "../src/timeline-bar";
import type { CameraInfo } from "../src/types";
import { FakeHls, loadMedia } from "./fake-hls";
import { CAMERA, type FakeHass, deep, deepAll, fakeHass, layOut, pointer, settle, wsError } from "./helpers";

vi.mock("hls.js/light", async () => ({ default: (await import("./fake-hls")).FakeHls }));

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const iso = (t: number) => new Date(t).toISOString();
const WITH_PICTURE: CameraInfo = { ...CAMERA, entities: { ...CAMERA.entities, camera: "camera.front_door" } };

interface Mounted {
  panel: HeldarCameraTimeline;
  root: ShadowRoot;
  bar: HeldarTimelineBar;
  fake: FakeHass;
  /** Now, as the fake Home Assistant tells it. */
  now: number;
}

/** A Home Assistant whose camera recorded `spans` (minutes before now) with `events` in them. */
function recorded(
  spans: [number, number][],
  events: [string, number, number][] = [],
  activity: [number, number][] = [],
): [FakeHass, number] {
  const fake = fakeHass();
  const now = Date.now();
  const ago = (minutes: number) => iso(now - minutes * MINUTE);
  fake.answer("heldar/timeline", () => ({
    spans: spans.map(([start, end]) => ({ start: ago(start), end: ago(end) })),
    gaps: [],
    events: events.map(([id, start, end]) => ({ id, start: ago(start), end: ago(end), reason: `Event ${id}`, thumbnail: null })),
    activity: { spans: activity.map(([start, end]) => [(now - start * MINUTE) / 1000, (now - end * MINUTE) / 1000]), join: 5, threshold: 40 },
    now: iso(now),
  }));
  fake.hass.states["camera.front_door"] = { entity_id: "camera.front_door", state: "idle", attributes: {} };
  return [fake, now];
}

async function mountPanel(fake: FakeHass, now: number, camera: CameraInfo = WITH_PICTURE): Promise<Mounted> {
  const panel = document.createElement("heldar-camera-timeline");
  panel.hass = fake.hass;
  panel.camera = camera;
  panel.timeZone = "Europe/Berlin";
  panel.hours = 1;
  document.body.append(panel);
  await settle();
  await panel.updateComplete;
  const root = panel.shadowRoot!;
  const bar = root.querySelector("heldar-timeline-bar")!;
  await bar.updateComplete;
  layOut(deep(bar.shadowRoot!, ".track")!, 600);
  return { panel, root, bar, fake, now };
}

/** Click the bar's track at instant t (on its 600 px). */
async function clickAt({ bar }: Mounted, t: number): Promise<void> {
  const track = deep(bar.shadowRoot!, ".track")!;
  const x = ((t - bar.view.start) / (bar.view.end - bar.view.start)) * 600;
  track.dispatchEvent(pointer("pointerdown", { clientX: x }));
  track.dispatchEvent(pointer("pointerup", { clientX: x }));
  await settle();
}

const playlists = (fake: FakeHass) =>
  fake.calls.filter((c) => c.type === "heldar/playlist").map((c) => ({ start: Date.parse(String(c.start)), end: c.end }));
const button = (root: ShadowRoot, selector: string) => root.querySelector<HTMLButtonElement>(selector)!;
const said = (root: ShadowRoot) => [...root.querySelectorAll(".message:not(.notice):not(.selection-range)")].map((m) => m.textContent?.trim());

beforeEach(() => FakeHls.reset());
afterEach(() => {
  document.body.replaceChildren();
  vi.restoreAllMocks();
});

describe("one camera's panel", () => {
  it("shows the camera's footage and events on its bar, kept current by Home Assistant's pushes", async () => {
    const [fake, now] = recorded([[50, 1]]);
    const { root, bar } = await mountPanel(fake, now);
    expect(fake.calls).toContainEqual({ type: "heldar/subscribe", camera: "sub1" });
    expect(fake.calls.find((c) => c.type === "heldar/timeline")).toMatchObject({ camera: "sub1" });
    expect(deep(root, ".name")?.textContent).toBe("Front door");
    expect(deepAll(bar.shadowRoot!, ".span").map((s) => s.dataset.start)).toEqual([iso(now - 50 * MINUTE)]);
    fake.push({ segment: { start: iso(now - MINUTE), end: iso(now) } });
    fake.push({ event: { id: "e1", start: iso(now - 30_000), end: null, reason: "Doorbell", thumbnail: null } });
    await settle();
    expect(deepAll(bar.shadowRoot!, ".span").map((s) => s.dataset.end)).toEqual([iso(now)]); // one span, grown
    expect(deep(bar.shadowRoot!, ".event")?.getAttribute("title")).toBe("Doorbell");
    // Live until something plays: HA's camera picture, no video.
    expect(root.querySelector("video")?.hidden).toBe(true);
    expect(root.querySelector<HeldarLivePicture>("heldar-live-picture")?.active).toBe(true);
  });

  it("plays from the instant clicked: the video replaces the live picture, the playhead follows it", async () => {
    const [fake, now] = recorded([[50, 1]]);
    const m = await mountPanel(fake, now);
    await clickAt(m, now - 25 * MINUTE);
    const [asked] = playlists(fake);
    expect(Math.abs(asked.start - (now - 25 * MINUTE))).toBeLessThanOrEqual(HOUR / 600 + 1);
    expect(asked.end).toBeNull(); // within the last hour: the live playlist
    loadMedia(asked.start);
    const video = m.root.querySelector("video")!;
    video.currentTime += 12;
    video.dispatchEvent(new Event("timeupdate"));
    await settle();
    expect(video.hidden).toBe(false);
    expect(m.root.querySelector<HeldarLivePicture>("heldar-live-picture")?.active).toBe(false);
    expect(m.panel.playingAt()).toBe(asked.start + 12_000);
    expect(m.bar.playhead).toBe(asked.start + 12_000);
    expect(m.root.querySelector(".screen > .badge")?.textContent).toMatch(/\d\d:\d\d:\d\d/);
    expect(button(m.root, ".live-button").getAttribute("aria-pressed")).toBe("false");
  });

  it("plays from the next footage when the click is in a gap; after all footage, says so", async () => {
    const [fake, now] = recorded([[50, 40], [20, 10]]);
    fake.hass.states["sensor.front_door_recorder_state"]!.state = "idle";
    const m = await mountPanel(fake, now);
    await clickAt(m, now - 30 * MINUTE);
    expect(playlists(fake).map((p) => p.start)).toEqual([Date.parse(iso(now - 20 * MINUTE))]);
    await clickAt(m, now - 5 * MINUTE);
    expect(playlists(fake)).toHaveLength(1);
    expect(said(m.root)).toEqual(["No recording after this point."]);
    // A camera recording now has the file being written: the live playlist holds it.
    fake.hass.states["sensor.front_door_recorder_state"]!.state = "recording";
    await clickAt(m, now - 5 * MINUTE);
    expect(playlists(fake)).toHaveLength(2);
    expect(said(m.root)).toEqual([]);
  });

  it("goes on with the next hour when a past hour's playlist ran out", async () => {
    const [fake, now] = recorded([[300, 1]]);
    const m = await mountPanel(fake, now);
    await m.panel.playFrom(now - 4 * HOUR);
    loadMedia(now - 4 * HOUR);
    expect(playlists(fake).at(-1)?.end).toBe(iso(now - 3 * HOUR));
    m.root.querySelector("video")!.dispatchEvent(new Event("ended"));
    await settle();
    expect(playlists(fake).at(-1)).toEqual({ start: now - 3 * HOUR, end: iso(now - 2 * HOUR) });
  });

  it("steps to the previous and next event, and says when there is none", async () => {
    const [fake, now] = recorded([[50, 1]], [["a", 40, 39], ["b", 20, 19]]);
    const m = await mountPanel(fake, now);
    const starts = () => playlists(fake).map((p) => Math.round((now - p.start) / MINUTE));
    button(m.root, ".prev-event").click();
    await settle();
    loadMedia(now - 20 * MINUTE);
    button(m.root, ".prev-event").click();
    await settle();
    loadMedia(now - 40 * MINUTE);
    button(m.root, ".next-event").click();
    await settle();
    expect(starts()).toEqual([20, 40, 20]);
    loadMedia(now - 20 * MINUTE);
    button(m.root, ".next-event").click();
    await settle();
    expect(said(m.root)).toEqual(["No later event."]);
  });

  it("steps to the previous and next activity, and says when there is none", async () => {
    const [fake, now] = recorded([[50, 1]], [], [[45, 44], [30, 29], [10, 9]]);
    const m = await mountPanel(fake, now);
    expect(button(m.root, ".next-activity").getAttribute("aria-label")).toBe("Next activity");
    expect(button(m.root, ".prev-activity").title).toBe("Previous activity");
    const starts = () => playlists(fake).map((p) => Math.round((now - p.start) / MINUTE));
    button(m.root, ".prev-activity").click(); // from live: the newest stretch
    await settle();
    loadMedia(now - 10 * MINUTE);
    button(m.root, ".prev-activity").click();
    await settle();
    loadMedia(now - 30 * MINUTE);
    button(m.root, ".prev-activity").click();
    await settle();
    loadMedia(now - 45 * MINUTE);
    button(m.root, ".next-activity").click();
    await settle();
    expect(starts()).toEqual([10, 30, 45, 30]);
    m.panel.goLive();
    button(m.root, ".next-activity").click();
    await settle();
    expect(said(m.root)).toEqual(["No later activity."]);
  });

  it("with Skip idle on, goes on at the next activity 2 s after a stretch ends, and plays on after the last", async () => {
    const [fake, now] = recorded([[50, 1]], [], [[45, 44], [30, 29]]);
    const m = await mountPanel(fake, now);
    const skip = button(m.root, ".skip-idle");
    expect(skip.getAttribute("aria-pressed")).toBe("false");
    skip.click();
    await settle();
    expect(skip.getAttribute("aria-pressed")).toBe("true");
    await m.panel.playFrom(now - 45 * MINUTE);
    loadMedia(now - 45 * MINUTE);
    const video = m.root.querySelector("video")!;
    const playAt = (t: number) => {
      video.currentTime = (t - (now - 45 * MINUTE)) / 1000;
      video.dispatchEvent(new Event("timeupdate"));
    };
    playAt(now - 44.5 * MINUTE);
    playAt(now - 44 * MINUTE + 1_000); // inside the grace: plays on
    expect(m.panel.playingAt()).toBe(now - 44 * MINUTE + 1_000);
    playAt(now - 44 * MINUTE + 2_000);
    expect(m.panel.playingAt()).toBe(now - 30 * MINUTE); // sought in the loaded hour, no new playlist
    expect(playlists(fake)).toHaveLength(1);
    playAt(now - 29 * MINUTE + 5_000); // past the last stretch: plays on as without skip idle
    expect(m.panel.playingAt()).toBe(now - 29 * MINUTE + 5_000);
  });

  it("plays idle stretches through with Skip idle off", async () => {
    const [fake, now] = recorded([[50, 1]], [], [[45, 44], [30, 29]]);
    const m = await mountPanel(fake, now);
    await m.panel.playFrom(now - 45 * MINUTE);
    loadMedia(now - 45 * MINUTE);
    const video = m.root.querySelector("video")!;
    for (const seconds of [30, 62, 120]) {
      video.currentTime = seconds;
      video.dispatchEvent(new Event("timeupdate"));
    }
    expect(m.panel.playingAt()).toBe(now - 43 * MINUTE);
  });

  it("plays at the rate chosen, and Live stops the recording and follows now again", async () => {
    const [fake, now] = recorded([[300, 1]]);
    const m = await mountPanel(fake, now);
    await m.panel.playFrom(now - 3 * HOUR);
    loadMedia(now - 3 * HOUR);
    await settle();
    expect(m.bar.view.end).toBeLessThan(now - HOUR); // the bar went where it plays
    const rates = [...m.root.querySelectorAll<HTMLButtonElement>(".rate")];
    rates[2].click();
    await settle();
    expect(rates.map((r) => r.getAttribute("aria-pressed"))).toEqual(["false", "false", "true"]);
    expect(m.root.querySelector("video")!.playbackRate).toBe(4);
    button(m.root, ".live-button").click();
    await settle();
    expect(m.panel.playingAt()).toBeNull();
    expect(m.root.querySelector("video")!.hidden).toBe(true);
    expect(FakeHls.made.at(-1)?.destroyed).toBe(true);
    expect(Math.abs(m.bar.view.end - now)).toBeLessThan(5_000);
  });

  it("downloads the range dragged while selecting", async () => {
    const [fake, now] = recorded([[50, 1]]);
    fake.answer("heldar/export", () => ({ path: "/x/front_door.mp4", url: "/api/heldar/export/t/front_door.mp4", media_content_id: "", seconds: 600, gaps: [] }));
    vi.stubGlobal("fetch", () => Promise.resolve(new Response("x", { status: 206 })));
    const downloaded: string[] = [];
    vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(function (this: HTMLAnchorElement) {
      downloaded.push(`${this.getAttribute("href")} as ${this.download}`);
    });
    const m = await mountPanel(fake, now);
    expect(button(m.root, ".download").disabled).toBe(true);
    button(m.root, ".select-range").click();
    await settle();
    const track = deep(m.bar.shadowRoot!, ".track")!;
    track.dispatchEvent(pointer("pointerdown", { clientX: 300 }));
    track.dispatchEvent(pointer("pointermove", { clientX: 400 }));
    track.dispatchEvent(pointer("pointerup", { clientX: 400 }));
    await settle();
    expect(m.root.querySelector(".selection-range")?.textContent).toMatch(/–/);
    expect(playlists(fake)).toEqual([]); // selecting does not play
    button(m.root, ".download").click();
    await settle(50);
    const asked = fake.calls.find((c) => c.type === "heldar/export")!;
    expect(Date.parse(String(asked.end)) - Date.parse(String(asked.start))).toBe(10 * MINUTE);
    expect(downloaded).toEqual(["/api/heldar/export/t/front_door.mp4 as front_door.mp4"]);
    expect(said(m.root)).toEqual(["Exported 600 s."]);
    vi.unstubAllGlobals();
  });

  it("says what went wrong, and what Trigger did", async () => {
    const [fake, now] = recorded([[50, 1]]);
    fake.answer("heldar/playlist", () => {
      throw wsError("not_found", "No footage there");
    });
    const m = await mountPanel(fake, now);
    await m.panel.playFrom(now - 10 * MINUTE);
    await settle();
    expect(m.root.querySelector(".message.error")?.textContent).toBe("No footage there");
    deep<HTMLButtonElement>(m.root, ".trigger")!.click();
    await settle();
    expect(m.root.querySelector(".notice")?.textContent).toMatch(/^Front door: started an event recording/);
  });
});

describe("sharing from the panel", () => {
  it("offers Share in an event's pop-up to a user who may export, and shares that event", async () => {
    const [fake, now] = recorded([[50, 1]], [["a", 40, 39], ["b", 20, 19]]);
    fake.answer("heldar/share", () => ({ share_id: "s", url: "http://ha/api/heldar/share/x.mp4", path: "", expires: iso(now + HOUR) }));
    const { root, bar } = await mountPanel(fake, now);
    const strip = bar.shadowRoot!.querySelector("heldar-event-strip")!;
    strip.shadowRoot!.querySelector<HTMLElement>('.event[data-id="b"]')!.click();
    await settle();
    // The share element is the panel's, shown through the bar's slot in the pop-up.
    const share = bar.querySelector("heldar-event-share")!;
    expect(share.slot).toBe("event-actions");
    expect(share.event?.id).toBe("b");
    share.shadowRoot!.querySelector<HTMLButtonElement>(".share-event")!.click();
    await settle();
    expect(fake.calls.find((c) => c.type === "heldar/share")).toEqual({
      type: "heldar/share",
      camera: "sub1",
      event_id: "b",
      expires_in: 86_400,
    });
    expect(share.shadowRoot!.querySelector<HTMLInputElement>(".share-url")?.value).toBe("http://ha/api/heldar/share/x.mp4");
    strip.shadowRoot!.querySelector<HTMLButtonElement>(".close-popup")!.click();
    await settle();
    expect(share.event).toBeNull();
    expect(root.querySelector(".download")).not.toBeNull();
  });

  it("offers neither Share nor Download to a user who may not export the camera", async () => {
    const [fake, now] = recorded([[50, 1]], [["a", 40, 39]]);
    const { root, bar } = await mountPanel(fake, now, { ...WITH_PICTURE, may_export: false });
    deep(bar.shadowRoot!, '.event[data-id="a"]')!.click();
    await settle();
    expect(deep(bar.shadowRoot!, ".popup .play-event")).not.toBeNull();
    expect(bar.querySelector("heldar-event-share")).toBeNull();
    expect(root.querySelector(".download")).toBeNull();
    expect(root.querySelector(".select-range")).toBeNull();
  });
});
