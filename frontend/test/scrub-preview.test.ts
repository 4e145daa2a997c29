import { afterEach, describe, expect, it } from "vitest";
import type { HeldarCameraTimeline } from "../src/camera-timeline";
import {
  BLOCK_MS,
  type HeldarScrubPreview,
  type HoverDetail,
  type PreviewsAnswer,
  type Sheet,
  SheetImages,
  SheetListings,
  sheetAt,
  tileAt,
} from "../src/scrub-preview";
import { CAMERA, deep, fakeHass, layOut, pointer, settle } from "./helpers";

const T0 = Date.parse("2026-07-01T12:00:00Z");
const sheet = (start: number, seconds = 60, url = `/s/${start}`): Sheet => ({
  start,
  end: start + seconds * 1000,
  tiles: Math.floor(seconds / 2) + 1,
  url,
  step: 2,
  columns: 10,
});
const answer = (starts: number[]): PreviewsAnswer => ({
  step: 2,
  columns: 10,
  tile_width: 160,
  sheets: starts.map((start) => ({
    start: new Date(start).toISOString(),
    end: new Date(start + 60_000).toISOString(),
    tiles: 31,
    url: `/api/heldar/previews/front/${start}.mp4?authSig=x`,
  })),
});

/** An image that loads (or fails) when the test says, as the browser's would. */
class FakeImage {
  static made: FakeImage[] = [];
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  src = "";
  naturalWidth = 1600;
  naturalHeight = 360;
  constructor() {
    FakeImage.made.push(this);
  }
}
const fakeImages = () => new SheetImages(() => new FakeImage() as unknown as HTMLImageElement);

afterEach(() => {
  document.body.innerHTML = "";
  FakeImage.made = [];
});

describe("tiles", () => {
  it("shows the tile nearest the instant, on its column and row", () => {
    const one = sheet(T0);
    expect(tileAt(one, T0).tile).toBe(0);
    expect(tileAt(one, T0 + 2_900)).toMatchObject({ tile: 1, column: 1, row: 0, rows: 4 });
    expect(tileAt(one, T0 + 3_100)).toMatchObject({ tile: 2 });
    expect(tileAt(one, T0 + 41_000)).toMatchObject({ tile: 21, column: 1, row: 2 });
    expect(tileAt(one, T0 + 60_000).tile).toBe(30);
    expect(tileAt(one, T0 + 600_000).tile).toBe(30); // never off the sheet
    expect(tileAt(one, T0 - 5_000).tile).toBe(0);
  });

  it("finds the sheet covering an instant, none in a gap", () => {
    const sheets = [sheet(T0), sheet(T0 + 60_000), sheet(T0 + 180_000)];
    expect(sheetAt(sheets, T0 + 59_999)?.start).toBe(T0);
    expect(sheetAt(sheets, T0 + 60_000)?.start).toBe(T0 + 60_000);
    expect(sheetAt(sheets, T0 + 150_000)).toBeNull();
    expect(sheetAt(sheets, T0 - 1)).toBeNull();
  });
});

describe("listings", () => {
  it("asks for an hour once, however many hovers wait for it", async () => {
    const asked: [number, number][] = [];
    const listings = new SheetListings(
      (start, end) => {
        asked.push([start, end]);
        return Promise.resolve(answer([T0, T0 + 60_000]));
      },
      () => T0 + 10 * BLOCK_MS,
    );
    const found = await Promise.all([listings.find(T0 + 1000), listings.find(T0 + 70_000), listings.find(T0 + 30 * 60_000)]);
    expect(found.map((s) => s?.start ?? null)).toEqual([T0, T0 + 60_000, null]);
    expect(asked).toEqual([[T0, T0 + BLOCK_MS]]);
    expect(listings.known(T0 + 5)).toHaveLength(2);
    expect(listings.known(T0 - 5)).toBeNull(); // the hour before was never asked
    await listings.find(T0 - 5);
    expect(asked).toHaveLength(2);
  });

  it("asks again for the hour going on now, and after a failure", async () => {
    let now = T0 + 600_000;
    let fail = true;
    let asked = 0;
    const listings = new SheetListings(() => {
      asked += 1;
      return fail ? Promise.reject(new Error("offline")) : Promise.resolve(answer([T0]));
    }, () => now);
    expect(await listings.find(T0 + 1000)).toBeNull();
    fail = false;
    expect((await listings.find(T0 + 1000))?.start).toBe(T0);
    expect(asked).toBe(2);
    await listings.find(T0 + 1000);
    expect(asked).toBe(2); // kept
    now += 31_000; // new footage may have been filed since
    await listings.find(T0 + 1000);
    expect(asked).toBe(3);
  });

  it("answers from an hour's last listing at once while asking for what was filed since", async () => {
    let now = T0 + 120_000;
    let filed = [T0];
    const asked: number[] = [];
    let release = (): void => undefined;
    const listings = new SheetListings(() => {
      asked.push(now);
      const answered = answer(filed);
      return asked.length === 1 ? Promise.resolve(answered) : new Promise((resolve) => (release = () => resolve(answered)));
    }, () => now);
    expect((await listings.find(T0 + 1000))?.start).toBe(T0);
    now += 31_000;
    filed = [T0, T0 + 60_000];
    expect((await listings.find(T0 + 2000))?.start).toBe(T0); // no wait for the new listing
    expect(asked).toHaveLength(2);
    const newer = listings.find(T0 + 61_000); // only the new listing has it
    expect(asked).toHaveLength(2);
    release();
    expect((await newer)?.start).toBe(T0 + 60_000);
  });

  it("lists a short view's hours ahead of any hover, each once; a week's view as hovered", async () => {
    const asked: number[] = [];
    const listings = new SheetListings((start) => {
      asked.push(start);
      return Promise.resolve(answer([]));
    }, () => T0 + 10 * BLOCK_MS);
    listings.prefetch(T0 + 30 * 60_000, T0 + 2.5 * BLOCK_MS);
    expect(asked).toEqual([T0, T0 + BLOCK_MS, T0 + 2 * BLOCK_MS]);
    listings.prefetch(T0 + 30 * 60_000, T0 + 2.5 * BLOCK_MS);
    await listings.find(T0 + BLOCK_MS + 5);
    expect(asked).toHaveLength(3);
    listings.prefetch(T0 - 7 * 24 * BLOCK_MS, T0);
    expect(asked).toHaveLength(3);
  });
});

describe("images", () => {
  it("loads a sheet once and keeps it; a failed one is tried again", async () => {
    const images = fakeImages();
    const first = images.load("/a");
    const again = images.load("/a");
    expect(FakeImage.made).toHaveLength(1);
    expect(FakeImage.made[0].src).toBe("/a");
    FakeImage.made[0].onload?.();
    expect(await first).toBe(await again);
    const broken = images.load("/b");
    FakeImage.made[1].onerror?.();
    await expect(broken).rejects.toThrow("/b");
    expect(images.has("/b")).toBe(false);
    void images.load("/b").catch(() => undefined);
    expect(FakeImage.made).toHaveLength(3);
  });
});

async function mountPreview(answers: PreviewsAnswer): Promise<[HeldarScrubPreview, ReturnType<typeof fakeHass>]> {
  const fake = fakeHass();
  fake.answer("heldar/previews", () => answers);
  const preview = document.createElement("heldar-scrub-preview");
  preview.hass = fake.hass;
  preview.camera = "sub1";
  preview.clock = { timeZone: "Europe/Berlin", locale: "en", hour12: false };
  preview.images = fakeImages();
  document.body.append(preview);
  layOut(preview, 600);
  await preview.updateComplete;
  return [preview, fake];
}

/** Let the listing answer, then load every image asked for. */
async function loadAll(): Promise<void> {
  await settle();
  for (const image of FakeImage.made) image.onload?.();
  await settle(40);
}

describe("the floating preview", () => {
  it("shows the instant's tile above the pointer, with the time, and hides when it leaves", async () => {
    const [preview, fake] = await mountPreview(answer([T0, T0 + 60_000]));
    const shown: number[] = [];
    preview.addEventListener("heldar-preview-shown", (e) => shown.push(e.detail.tile));
    preview.hover({ t: T0 + 60_000 + 41_000, x: 250 });
    await loadAll();
    const root = preview.shadowRoot!;
    const box = root.querySelector<HTMLElement>(".preview")!;
    expect(box.style.left).toBe("250px");
    expect(root.querySelector(".time")?.textContent).toBe("14:01:41");
    const image = root.querySelector<HTMLImageElement>("img")!;
    expect(image.getAttribute("src")).toContain(`${T0 + 60_000}.mp4`);
    expect(image.dataset.tile).toBe("21");
    // Tiles are 160 × 90 on a 10 × 4 sheet: tile 21 is column 1, row 2.
    expect(image.style.transform).toBe("translate(-160px, -180px)");
    expect(root.querySelector<HTMLElement>(".tile")?.style.height).toBe("90px");
    expect(shown).toEqual([21]);
    expect(fake.calls.filter((c) => c.type === "heldar/previews")).toEqual([
      expect.objectContaining({ camera: "sub1", start: "2026-07-01T12:00:00.000Z", end: "2026-07-01T13:00:00.000Z" }),
    ]);
    // Near an edge it stays whole on the card (160 px wide: its centre 81 px in).
    preview.hover({ t: T0 + 60_000 + 41_000, x: 3 });
    await settle(40);
    expect(box.style.left).toBe("81px");
    preview.hover({ t: T0 + 60_000 + 41_000, x: 598 });
    await settle(40);
    expect(box.style.left).toBe("519px");
    preview.hover({ t: null, x: 0 });
    await preview.updateComplete;
    expect(root.querySelector(".preview")).toBeNull();
  });

  it("moves along a sheet with no new request, and shows only the time over a gap", async () => {
    const [preview, fake] = await mountPreview(answer([T0]));
    preview.hover({ t: T0 + 10_000, x: 100 });
    await loadAll();
    preview.hover({ t: T0 + 20_000, x: 120 });
    await settle(40);
    const root = preview.shadowRoot!;
    expect(root.querySelector<HTMLImageElement>("img")?.dataset.tile).toBe("10");
    expect(FakeImage.made).toHaveLength(1);
    expect(fake.calls.filter((c) => c.type === "heldar/previews")).toHaveLength(1);
    preview.hover({ t: T0 + 30 * 60_000, x: 300 });
    await settle(40);
    expect(root.querySelector("img")).toBeNull();
    expect(root.querySelector(".time")?.textContent).toBe("14:30:00");
  });

  it("shows the latest instant when the pointer moves on before a sheet loads", async () => {
    const [preview] = await mountPreview(answer([T0, T0 + 60_000]));
    preview.hover({ t: T0 + 4_000, x: 100 });
    preview.hover({ t: T0 + 62_000, x: 140 });
    await loadAll();
    const image = preview.shadowRoot!.querySelector<HTMLImageElement>("img")!;
    expect(image.getAttribute("src")).toContain(`${T0 + 60_000}.mp4`);
    expect(image.dataset.tile).toBe("1");
  });
});

describe("the bar drives it", () => {
  it("hovering, dragging by touch and leaving reach the panel's preview", async () => {
    const fake = fakeHass();
    const now = Date.now();
    fake.answer("heldar/previews", () => answer([]));
    const panel: HeldarCameraTimeline = document.createElement("heldar-camera-timeline");
    panel.hass = fake.hass;
    panel.camera = CAMERA;
    panel.hours = 1;
    document.body.append(panel);
    await settle();
    const bar = panel.shadowRoot!.querySelector("heldar-timeline-bar")!;
    await bar.updateComplete;
    const track = deep(bar.shadowRoot!, ".track")!;
    layOut(track, 600);
    const preview = panel.shadowRoot!.querySelector("heldar-scrub-preview")!;
    const heard: HoverDetail[] = [];
    const hover = preview.hover.bind(preview);
    preview.hover = (detail) => {
      heard.push(detail);
      hover(detail);
    };
    track.dispatchEvent(pointer("pointermove", { clientX: 300 }));
    track.dispatchEvent(pointer("pointerleave"));
    track.dispatchEvent(pointer("pointerdown", { clientX: 100, pointerType: "touch" }));
    track.dispatchEvent(pointer("pointermove", { clientX: 200, pointerType: "touch" }));
    track.dispatchEvent(pointer("pointerleave", { pointerType: "touch" })); // still pressed: stays
    track.dispatchEvent(pointer("pointerup", { clientX: 200, pointerType: "touch" }));
    const view = bar.view;
    const at = (x: number) => view.start + (x / 600) * (view.end - view.start);
    expect(heard.map((h) => (h.t === null ? null : Math.round(h.t)))).toEqual([Math.round(at(300)), null, Math.round(at(200)), null]);
    expect(heard[0].x).toBe(300);
    // The hour on screen was listed as soon as the bar showed it, before any hover.
    const listed = fake.calls.filter((c) => c.type === "heldar/previews");
    expect(listed.length).toBeGreaterThanOrEqual(1);
    expect(listed.length).toBeLessThanOrEqual(2);
    expect(listed[0]).toMatchObject({ camera: "sub1" });
    expect(Math.abs(view.end - now)).toBeLessThan(5_000);
    await settle();
    expect(preview.shadowRoot!.querySelector(".preview")).toBeNull();
  });
});
