import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { CAMERA_COLORS, cameraColor, gridColumns } from "../src/camera-grid";
import { MAX_GRID_CAMERAS } from "../src/grid-sync";
import type { HeldarLivePicture } from "../src/live-picture";
import type { HeldarTimelineBar } from "../src/timeline-bar";
import type { CameraInfo } from "../src/types";
import { FakeHls, fragmentsFrom } from "./fake-hls";
import { CAMERA, type FakeHass, deep, deepAll, fakeHass, layOut, pointer, settle } from "./helpers";

vi.mock("hls.js/light", async () => ({ default: (await import("./fake-hls")).FakeHls }));

const MINUTE = 60_000;
const iso = (t: number) => new Date(t).toISOString();

const camera = (n: number): CameraInfo => ({
  ...CAMERA,
  camera: `sub${n}`,
  name: `Camera ${n}`,
  device_id: `dev${n}`,
  entities: { ...CAMERA.entities, camera: `camera.c${n}` },
});

/** Cameras that recorded `spans` each (minutes before now), each with an event at its span's start. */
function recorded(spans: [number, number][][]): [FakeHass, number, CameraInfo[]] {
  const cameras = spans.map((_, n) => camera(n + 1));
  const fake = fakeHass(cameras);
  const now = Date.now();
  const ago = (minutes: number) => iso(now - minutes * MINUTE);
  fake.answer("heldar/timeline", (message) => {
    const index = cameras.findIndex((c) => c.camera === message.camera);
    const own = spans[index] ?? [];
    return {
      spans: own.map(([start, end]) => ({ start: ago(start), end: ago(end) })),
      gaps: [],
      events: own.map(([start], k) => ({ id: `e${k}`, start: ago(start), end: ago(start - 1), reason: "Motion", thumbnail: null })),
      // Each camera was active in its span's first minute.
      activity: { spans: own.map(([start]) => [(now - start * MINUTE) / 1000, (now - (start - 1) * MINUTE) / 1000]), join: 5, threshold: 40 },
      now: iso(now),
    };
  });
  for (const c of cameras) fake.hass.states[c.entities.camera!] = { entity_id: c.entities.camera!, state: "idle", attributes: {} };
  return [fake, now, cameras];
}

async function mountGrid(fake: FakeHass, cameras: CameraInfo[]) {
  const grid = document.createElement("heldar-camera-grid");
  grid.hass = fake.hass;
  grid.cameras = cameras;
  grid.timeZone = "Europe/Berlin";
  grid.hours = 1;
  document.body.append(grid);
  await settle();
  await grid.updateComplete;
  const root = grid.shadowRoot!;
  const bar = root.querySelector<HeldarTimelineBar>("heldar-timeline-bar")!;
  await bar.updateComplete;
  layOut(deep(bar.shadowRoot!, ".track")!, 600);
  return { grid, root, bar };
}

async function clickAt(bar: HeldarTimelineBar, t: number): Promise<void> {
  const track = deep(bar.shadowRoot!, ".track")!;
  const x = ((t - bar.view.start) / (bar.view.end - bar.view.start)) * 600;
  track.dispatchEvent(pointer("pointerdown", { clientX: x }));
  track.dispatchEvent(pointer("pointerup", { clientX: x }));
  await settle();
}

/** Every player's playlist and media load (from `start`), as hls.js and the browser would. */
function loadAll(start: number): void {
  for (const hls of FakeHls.made) {
    if (!hls.media || hls.destroyed) continue;
    hls.levelLoaded(fragmentsFrom(start, 900));
    Object.defineProperty(hls.media, "readyState", { value: 4, configurable: true });
    hls.media.dispatchEvent(new Event("loadedmetadata"));
    hls.media.dispatchEvent(new Event("seeked")); // at the keyframe, when the instant is past it
  }
}

const tiles = (root: ShadowRoot) => [...root.querySelectorAll<HTMLElement>(".tile")];

beforeEach(() => {
  FakeHls.reset();
  vi.useFakeTimers({ shouldAdvanceTime: true, toFake: ["setInterval", "clearInterval"] });
});
afterEach(() => {
  document.body.replaceChildren();
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe("the colours and columns", () => {
  it("gives each of nine cameras its own theme colour, with a fallback", () => {
    expect(new Set(CAMERA_COLORS).size).toBe(MAX_GRID_CAMERAS);
    expect(cameraColor(0)).toMatch(/^var\(--[a-z-]+-color, #[0-9a-f]{6}\)$/);
    expect(cameraColor(MAX_GRID_CAMERAS)).toBe(cameraColor(0));
  });

  it("lays out 1 column for one camera, 2 up to four, 3 up to nine", () => {
    expect([1, 2, 3, 4, 5, 9].map(gridColumns)).toEqual([1, 2, 2, 2, 3, 3]);
  });
});

describe("the camera grid", () => {
  it("shows a live tile per camera, each camera's lane and events on one bar in its colour, and a legend", async () => {
    const [fake, now, cameras] = recorded([[[50, 1]], [[30, 20]], [[40, 5]]]);
    const { root, bar } = await mountGrid(fake, cameras);
    expect(tiles(root).map((t) => t.dataset.camera)).toEqual(["sub1", "sub2", "sub3"]);
    expect(tiles(root).map((t) => t.dataset.state)).toEqual(["live", "live", "live"]);
    const pictures = [...root.querySelectorAll<HeldarLivePicture>("heldar-live-picture")];
    expect(pictures.map((p) => [p.entity, p.active])).toEqual([
      ["camera.c1", true],
      ["camera.c2", true],
      ["camera.c3", true],
    ]);
    expect(root.querySelector<HTMLElement>(".tiles")?.style.getPropertyValue("--columns")).toBe("2");
    expect(bar.lanes.map((lane) => [lane.id, lane.color, lane.spans.length])).toEqual([
      ["sub1", cameraColor(0), 1],
      ["sub2", cameraColor(1), 1],
      ["sub3", cameraColor(2), 1],
    ]);
    expect(deepAll(bar.shadowRoot!, ".lane")).toHaveLength(3);
    // Each lane draws its camera's activity along its bottom.
    const activity = deepAll(bar.shadowRoot!, ".lane .activity-strip .active");
    expect(activity.map((band) => band.closest(".lane")?.getAttribute("data-camera"))).toEqual(["sub1", "sub2", "sub3"]);
    expect(activity.map((band) => band.dataset.start)).toEqual([50, 30, 40].map((m) => iso(now - m * MINUTE)));
    // Every camera's event, in its camera's colour, named for its camera.
    const events = deepAll(bar.shadowRoot!, ".event");
    expect(events.map((e) => e.title).sort()).toEqual(["Camera 1: Motion", "Camera 2: Motion", "Camera 3: Motion"]);
    expect(bar.events.map((e) => e.color)).toEqual([cameraColor(0), cameraColor(2), cameraColor(1)]); // by start
    expect([...root.querySelectorAll(".legend [data-camera]")].map((l) => l.textContent?.trim())).toEqual([
      "Camera 1",
      "Camera 2",
      "Camera 3",
    ]);
  });

  it("shows at most nine cameras, and says so", async () => {
    const [fake, , cameras] = recorded(Array.from({ length: 11 }, () => [[50, 1]] as [number, number][]));
    const { root } = await mountGrid(fake, cameras);
    expect(tiles(root)).toHaveLength(MAX_GRID_CAMERAS);
    expect(root.querySelector<HTMLElement>(".tiles")?.style.getPropertyValue("--columns")).toBe("3");
    expect(root.textContent).toContain("The grid shows the first 9 cameras.");
  });

  it("plays every camera from the instant clicked; one without footage there is black with a label", async () => {
    const [fake, now, cameras] = recorded([[[50, 1]], [[50, 1]], [[10, 1]]]);
    const { grid, root, bar } = await mountGrid(fake, cameras);
    const at = now - 30 * MINUTE;
    await clickAt(bar, at);
    const asked = fake.calls.filter((c) => c.type === "heldar/playlist");
    expect(asked.map((c) => c.camera)).toEqual(["sub1", "sub2"]); // not the third: no footage then
    const start = Date.parse(String(asked[0].start));
    expect(Math.abs(start - at)).toBeLessThanOrEqual(6_000 + 1);
    loadAll(start - 2_000);
    await vi.waitFor(async () => {
      await vi.advanceTimersByTimeAsync(100);
      expect(tiles(root).map((t) => t.dataset.state)).toEqual(["playing", "playing", "gap"]);
    });
    const third = tiles(root)[2];
    expect(third.querySelector(".no-footage")?.textContent).toBe("No footage at this time");
    expect(third.querySelector("video")?.hidden).toBe(true);
    expect(tiles(root)[0].querySelector("video")?.hidden).toBe(false);
    expect(root.querySelector<HeldarLivePicture>("heldar-live-picture")?.active).toBe(false);
    const instants = grid.instants();
    expect(instants.sub1).toBe(start);
    expect(instants.sub2).toBe(start);
    expect(instants.sub3).toBeNull();
    expect(bar.playhead).toBe(grid.playhead);
    // Live: every tile its live picture again.
    root.querySelector<HTMLButtonElement>(".live-button")!.click();
    await settle();
    expect(grid.playhead).toBeNull();
    expect(tiles(root).map((t) => t.dataset.state)).toEqual(["live", "live", "live"]);
  });

  it("enlarges a tile on a click, Enter or Space, and returns to the grid again or with Escape", async () => {
    const [fake, , cameras] = recorded([[[50, 1]], [[50, 1]]]);
    const { root } = await mountGrid(fake, cameras);
    const [first, second] = tiles(root);
    expect(first.getAttribute("role")).toBe("button");
    expect(first.tabIndex).toBe(0);
    first.querySelector<HTMLElement>(".tap")!.click();
    await settle();
    expect(first.classList.contains("large")).toBe(true);
    expect(first.getAttribute("aria-expanded")).toBe("true");
    first.click();
    await settle();
    expect(root.querySelector(".tile.large")).toBeNull();
    second.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
    await settle();
    expect(second.classList.contains("large")).toBe(true);
    second.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    await settle();
    expect(root.querySelector(".tile.large")).toBeNull();
    first.dispatchEvent(new KeyboardEvent("keydown", { key: " ", bubbles: true }));
    await settle();
    expect(first.getAttribute("aria-expanded")).toBe("true");
  });
});
