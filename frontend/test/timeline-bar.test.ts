import { afterEach, describe, expect, it } from "vitest";
import type { PlayDetail } from "../src/event-strip";
import type { HeldarTimelineBar } from "../src/timeline-bar";
import type { Span } from "../src/model";
import { HOUR } from "../src/time";
import { deep, deepAll, layOut, pointer, settle } from "./helpers";

const END = Date.parse("2026-07-01T12:00:00Z");
const at = (minutesBefore: number) => END - minutesBefore * 60_000;
const CLOCK = { timeZone: "Europe/Berlin", locale: "en" };

interface Heard {
  play: PlayDetail[];
  select: (Span | null)[];
  view: Span[];
}

async function mountBar(setup: (bar: HeldarTimelineBar) => void = () => undefined): Promise<[HeldarTimelineBar, ShadowRoot, Heard]> {
  const bar = document.createElement("heldar-timeline-bar");
  const heard: Heard = { play: [], select: [], view: [] };
  bar.addEventListener("heldar-play", (e) => heard.play.push(e.detail));
  bar.addEventListener("heldar-select", (e) => heard.select.push(e.detail.range));
  bar.addEventListener("heldar-view", (e) => heard.view.push(e.detail));
  bar.clock = CLOCK;
  bar.now = END;
  bar.hours = 1;
  bar.lanes = [{ id: "sub1", spans: [{ start: at(50), end: at(30) }, { start: at(20), end: at(1) }] }];
  bar.events = [
    { id: "a", start: at(45), end: at(44), reason: "Motion", thumbnail: null },
    { id: "b", start: at(10), end: at(9), reason: "Doorbell", thumbnail: "/b.jpg" },
  ];
  setup(bar);
  document.body.append(bar);
  await bar.updateComplete;
  layOut(bar.shadowRoot!.querySelector(".track")!, 600);
  return [bar, bar.shadowRoot!, heard];
}

/** x (px, on a 600 px track) of an instant in the bar's view. */
const xOf = (bar: HeldarTimelineBar, t: number) => ((t - bar.view.start) / (bar.view.end - bar.view.start)) * 600;

/** A wheel turn (happy-dom's WheelEvent leaves out the modifier keys and position). */
function wheel(deltaY: number, ctrlKey: boolean, clientX: number): WheelEvent {
  const event = new WheelEvent("wheel", { deltaY, bubbles: true, cancelable: true });
  Object.defineProperties(event, { ctrlKey: { value: ctrlKey }, clientX: { value: clientX } });
  return event;
}

afterEach(() => document.body.replaceChildren());

describe("the timeline bar", () => {
  it("draws one lane's footage and the gap inside it, with events", async () => {
    const [bar, root, heard] = await mountBar();
    expect(bar.view).toEqual({ start: END - HOUR, end: END });
    expect(heard.view.at(-1)).toEqual({ start: END - HOUR, end: END }); // its owner loads what it shows
    const spans = [...root.querySelectorAll(".track > .span")];
    expect(spans.map((s) => s.getAttribute("data-start"))).toEqual([new Date(at(50)).toISOString(), new Date(at(20)).toISOString()]);
    expect(root.querySelectorAll(".gap")).toHaveLength(1);
    expect(deepAll(root, ".event").map((e) => e.getAttribute("title"))).toEqual(["Motion", "Doorbell"]);
    expect(root.querySelector(".lane")).toBeNull();
  });

  it("draws the activity strip under one lane's bar, a band per stretch where it is", async () => {
    const [, root] = await mountBar((bar) => {
      bar.lanes = [{ ...bar.lanes[0], activity: [{ start: at(45), end: at(30) }, { start: at(15), end: at(12) }] }];
    });
    const strip = root.querySelector<HTMLElement>(".timeline > .activity-strip")!;
    expect(strip).not.toBeNull();
    expect(root.querySelector(".track .activity-strip")).toBeNull();
    const bands = [...strip.querySelectorAll<HTMLElement>(".active")];
    expect(bands.map((b) => [b.dataset.start, b.dataset.end])).toEqual([
      [new Date(at(45)).toISOString(), new Date(at(30)).toISOString()],
      [new Date(at(15)).toISOString(), new Date(at(12)).toISOString()],
    ]);
    expect(bands.map((b) => [b.style.left, b.style.width])).toEqual([
      ["25.000%", "25.000%"],
      ["75.000%", "5.000%"],
    ]);
  });

  it("draws no strip for a lane without activity data", async () => {
    const [, root] = await mountBar();
    expect(root.querySelector(".activity-strip")).toBeNull();
  });

  it("draws several cameras as lanes in their colours, and their events in them", async () => {
    const [, root] = await mountBar((bar) => {
      bar.lanes = [
        { id: "a", spans: [{ start: at(50), end: at(1) }], color: "rgb(1, 2, 3)" },
        {
          id: "b",
          spans: [{ start: at(50), end: at(40) }, { start: at(20), end: at(1) }],
          color: "rgb(4, 5, 6)",
          activity: [{ start: at(15), end: at(12) }],
        },
      ];
      bar.events = [{ id: "b:1", start: at(30), end: at(29), reason: "Yard", thumbnail: null, color: "rgb(4, 5, 6)" }];
    });
    const lanes = [...root.querySelectorAll(".lane")];
    expect(lanes.map((l) => l.getAttribute("data-camera"))).toEqual(["a", "b"]);
    expect(lanes[0].querySelectorAll(".span")).toHaveLength(1);
    expect(lanes[1].querySelectorAll(".gap")).toHaveLength(1);
    expect(lanes[1].querySelector<HTMLElement>(".span")!.style.background).toBe("rgb(4, 5, 6)");
    expect(deep(root, ".event")!.style.background).toBe("rgb(4, 5, 6)");
    // Each lane draws its own activity along its bottom.
    expect(lanes[0].querySelector(".activity-strip")).toBeNull();
    const band = lanes[1].querySelector<HTMLElement>(".activity-strip .active")!;
    expect(band.style.left).toBe("75.000%");
  });

  it("asks to play from the instant clicked, and a drag plays from where it ends", async () => {
    const [bar, root, heard] = await mountBar();
    const track = root.querySelector(".track")!;
    const x = xOf(bar, at(25));
    track.dispatchEvent(pointer("pointerdown", { clientX: x }));
    track.dispatchEvent(pointer("pointerup", { clientX: x }));
    expect(heard.play).toHaveLength(1);
    expect(Math.abs(heard.play[0].t - at(25))).toBeLessThan(HOUR / 600 + 1);
    await settle();
    expect(Date.parse(root.querySelector(".cursor")!.getAttribute("data-time")!)).toBe(heard.play[0].t);
    track.dispatchEvent(pointer("pointerdown", { clientX: xOf(bar, at(40)) }));
    track.dispatchEvent(pointer("pointermove", { clientX: xOf(bar, at(35)) }));
    track.dispatchEvent(pointer("pointerup", { clientX: xOf(bar, at(15)), pointerType: "touch" }));
    expect(Math.abs(heard.play[1].t - at(15))).toBeLessThan(HOUR / 600 + 1);
    await settle();
    expect(root.querySelector(".cursor")).toBeNull(); // a finger leaves no cursor behind
  });

  it("selects a range by dragging while selecting, and a click there selects nothing", async () => {
    const [bar, root, heard] = await mountBar((b) => (b.selecting = true));
    const track = root.querySelector(".track")!;
    track.dispatchEvent(pointer("pointerdown", { clientX: xOf(bar, at(30)) }));
    track.dispatchEvent(pointer("pointermove", { clientX: xOf(bar, at(40)) }));
    track.dispatchEvent(pointer("pointerup", { clientX: xOf(bar, at(40)) }));
    const range = heard.select.at(-1)!;
    expect(Math.abs(range.start - at(40))).toBeLessThan(HOUR / 600 + 1);
    expect(Math.abs(range.end - at(30))).toBeLessThan(HOUR / 600 + 1);
    expect(heard.play).toEqual([]);
    await settle();
    expect(root.querySelector(".selection")).not.toBeNull();
    track.dispatchEvent(pointer("pointerdown", { clientX: 100 }));
    track.dispatchEvent(pointer("pointerup", { clientX: 100 }));
    expect(heard.select.at(-1)).toBeNull();
  });

  it("zooms with the buttons, the list and Ctrl + wheel around the pointer; pans, never past now", async () => {
    const [bar, root] = await mountBar((b) => (b.hours = 3));
    root.querySelector<HTMLButtonElement>(".zoom-in")!.click();
    await settle();
    expect(bar.view.end - bar.view.start).toBe(HOUR);
    const select = root.querySelector<HTMLSelectElement>(".zoom")!;
    select.value = "24";
    select.dispatchEvent(new Event("change"));
    await settle();
    expect(bar.view.end - bar.view.start).toBe(24 * HOUR);
    const track = root.querySelector(".track")!;
    const anchor = at(6 * 60);
    const x = xOf(bar, anchor);
    track.dispatchEvent(wheel(-100, true, x));
    await settle();
    expect(bar.view.end - bar.view.start).toBe(12 * HOUR);
    expect(Math.abs(xOf(bar, anchor) - x)).toBeLessThan(1); // the instant stays under the pointer
    track.dispatchEvent(wheel(100, false, x)); // no Ctrl: the page scrolls
    await settle();
    expect(bar.view.end - bar.view.start).toBe(12 * HOUR);
    const before = bar.view.end;
    root.querySelector<HTMLButtonElement>(".pan-back")!.click();
    await settle();
    expect(bar.view.end).toBe(before - 6 * HOUR);
    for (let i = 0; i < 3; i += 1) root.querySelector<HTMLButtonElement>(".pan-on")!.click();
    await settle();
    expect(bar.view.end).toBe(END);
  });

  it("follows now while nothing plays, and keeps a playhead that leaves the view in it", async () => {
    const [bar, root] = await mountBar();
    bar.now = END + 60_000;
    await settle();
    expect(bar.view.end).toBe(END + 60_000);
    bar.playing = true;
    bar.playhead = END - 30 * 60_000; // in view: the view holds still under it
    bar.now = END + 90_000;
    await settle();
    expect(bar.view.end).toBe(END + 60_000);
    bar.playhead = END - 5 * HOUR;
    await settle();
    expect(bar.view.start).toBeLessThan(END - 5 * HOUR);
    expect(bar.view.end).toBeGreaterThan(END - 5 * HOUR);
    bar.now = END + 120_000; // playing: the view stays where the playhead is
    await settle();
    expect(bar.view.end).toBeLessThan(END);
    root.querySelector<HTMLButtonElement>(".pan-back")!.click();
    bar.playhead = END + 100_000; // after the view, near now: centred, but never past now
    await settle();
    expect(bar.view.end).toBe(END + 120_000);
    bar.playing = false;
    bar.playhead = null;
    bar.followNow();
    await settle();
    expect(bar.view.end).toBe(END + 120_000);
  });
});

describe("the timeline bar's parts", () => {
  it("labels the time in HA's zone with the user's 24-hour choice, none at the very edges", async () => {
    const [, root] = await mountBar((b) => (b.clock = { ...CLOCK, hour12: false }));
    const labels = [...root.querySelectorAll(".tick")].map((t) => t.textContent);
    // 12:00 UTC is 14:00 in Berlin in July.
    expect(labels).toEqual(["13:10", "13:20", "13:30", "13:40", "13:50"]);
  });

  it("draws the playhead where it is, and says its time; nothing when it is off the view", async () => {
    const [bar, root] = await mountBar((b) => (b.playhead = at(30)));
    bar.clock = { ...CLOCK, hour12: false };
    await settle();
    const playhead = root.querySelector<HTMLElement>(".playhead")!;
    expect(playhead.style.left).toBe("50.000%");
    expect(root.querySelector(".readout")?.textContent).toBe("13:30:00");
    bar.playhead = at(90); // not playing: the view stays, the playhead is off it
    await settle();
    expect(root.querySelector(".playhead")).toBeNull();
  });

  it("plays an event from its pop-up's Play, and a press on the track closes the pop-up", async () => {
    const [bar, root, heard] = await mountBar();
    deep(root, '.event[data-id="a"]')!.click();
    await settle();
    deep(root, ".play-event")!.click();
    expect(heard.play).toEqual([{ t: at(45), event: expect.objectContaining({ id: "a" }) as unknown }]);
    deep(root, '.event[data-id="b"]')!.click();
    await settle();
    expect(deep(root, ".popup")).not.toBeNull();
    root.querySelector(".track")!.dispatchEvent(pointer("pointerdown", { clientX: xOf(bar, at(25)) }));
    await settle();
    expect(deep(root, ".popup")).toBeNull();
  });
});
