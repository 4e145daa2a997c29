import { afterEach, describe, expect, it } from "vitest";
import { type BarEvent, type HeldarEventStrip, type PlayDetail, POPUP_GRACE_MS } from "../src/event-strip";
import { pointer, settle } from "./helpers";

const END = Date.parse("2026-07-01T12:00:00Z");
const at = (minutesBefore: number) => END - minutesBefore * 60_000;

const EVENTS: BarEvent[] = [
  { id: "a", start: at(45), end: at(44), reason: "Motion", thumbnail: null },
  { id: "b", start: at(10), end: at(9), reason: "Doorbell", thumbnail: "/b.jpg" },
  { id: "old", start: at(200), end: at(199), reason: "Long ago", thumbnail: null },
];

async function mountStrip(
  events: BarEvent[] = EVENTS,
  strip: HeldarEventStrip = document.createElement("heldar-event-strip"),
): Promise<[HeldarEventStrip, ShadowRoot, PlayDetail[]]> {
  const played: PlayDetail[] = [];
  strip.addEventListener("heldar-play", (e) => played.push(e.detail));
  strip.events = events;
  strip.view = { end: END, hours: 1 };
  strip.now = END;
  strip.clock = { timeZone: "Europe/Berlin", locale: "en" };
  document.body.append(strip);
  await strip.updateComplete;
  return [strip, strip.shadowRoot!, played];
}

const popupLabel = (root: ShadowRoot) => root.querySelector(".popup")?.getAttribute("aria-label") ?? null;

afterEach(() => document.body.replaceChildren());

describe("the event strip", () => {
  it("marks the events in view where they are; one still recording reaches now", async () => {
    const [, root] = await mountStrip([...EVENTS, { id: "open", start: at(6), end: null, reason: "Open", thumbnail: null }]);
    const marks = [...root.querySelectorAll<HTMLElement>(".event")];
    expect(marks.map((m) => m.dataset.id)).toEqual(["a", "b", "open"]); // not the one long before the view
    expect(marks[0].style.left).toBe("25.000%");
    expect(marks[0].style.width).toBe("1.667%");
    expect(marks[2].style.width).toBe("10.000%");
    expect(marks[1].getAttribute("aria-label")).toBe("Doorbell, Wed, Jul 1, 01:50:00 PM");
  });

  it("keeps a hovered pop-up while the pointer moves onto it, and closes it after", async () => {
    const [, root] = await mountStrip();
    const mark = root.querySelector<HTMLElement>('.event[data-id="b"]')!;
    mark.dispatchEvent(pointer("pointerenter"));
    await settle();
    expect(popupLabel(root)).toBe("Doorbell");
    expect(root.querySelector(".popup img")?.getAttribute("src")).toBe("/b.jpg");
    mark.dispatchEvent(pointer("pointerleave"));
    await settle(); // the pointer crosses the few pixels between mark and pop-up
    const popup = root.querySelector<HTMLElement>(".popup")!;
    popup.dispatchEvent(pointer("pointerenter"));
    await settle(POPUP_GRACE_MS + 200);
    expect(popupLabel(root)).toBe("Doorbell");
    popup.dispatchEvent(pointer("pointerleave"));
    await settle(POPUP_GRACE_MS + 200);
    expect(root.querySelector(".popup")).toBeNull();
  });

  it("pins a pop-up opened by a click or tap: hover elsewhere and leaving do not close it", async () => {
    const [, root, played] = await mountStrip();
    const mark = root.querySelector<HTMLElement>('.event[data-id="a"]')!;
    mark.click();
    await settle();
    mark.dispatchEvent(pointer("pointerenter")); // the mouse that clicked is still on it
    mark.dispatchEvent(pointer("pointerleave"));
    root.querySelector('.event[data-id="b"]')!.dispatchEvent(pointer("pointerenter"));
    await settle(POPUP_GRACE_MS + 200);
    expect(popupLabel(root)).toBe("Motion");
    expect(mark.getAttribute("aria-expanded")).toBe("true");
    root.querySelector<HTMLButtonElement>(".play-event")!.click();
    expect(played).toEqual([{ t: at(45), event: EVENTS[0] }]);
    await settle();
    expect(root.querySelector(".popup")).toBeNull();
    mark.click();
    await settle();
    root.querySelector<HTMLButtonElement>(".close-popup")!.click();
    await settle();
    expect(root.querySelector(".popup")).toBeNull();
  });

  it("is reached with the keyboard: arrows move between events, Enter plays, Escape closes", async () => {
    const [, root, played] = await mountStrip();
    const strip = root.querySelector<HTMLElement>(".events")!;
    const key = async (name: string) => {
      strip.dispatchEvent(new KeyboardEvent("keydown", { key: name, bubbles: true }));
      await settle();
    };
    expect([...root.querySelectorAll(".event")].map((e) => e.getAttribute("tabindex"))).toEqual(["-1", "0"]);
    await key("ArrowLeft"); // from the newest, one back
    expect(popupLabel(root)).toBe("Motion");
    expect(root.activeElement?.getAttribute("data-id")).toBe("a");
    await key("ArrowLeft"); // the first stays the first
    expect(popupLabel(root)).toBe("Motion");
    await key("End");
    expect(popupLabel(root)).toBe("Doorbell");
    await key("Enter");
    expect(played.map((p) => p.t)).toEqual([at(10)]);
    expect(root.querySelector(".popup")).toBeNull();
    await key("Home");
    expect(popupLabel(root)).toBe("Motion");
    await key("Escape");
    expect(root.querySelector(".popup")).toBeNull();
  });
});

describe("the event pop-up's actions", () => {
  it("shows what its owner slots in, tells which event it opened on, and leaves its controls their keys", async () => {
    const strip = document.createElement("heldar-event-strip");
    const opened: (string | null)[] = [];
    strip.addEventListener("heldar-popup", (e) => opened.push(e.detail.event?.id ?? null));
    const action = document.createElement("button");
    action.slot = "event-actions";
    action.className = "owners";
    strip.append(action);
    const [, root, played] = await mountStrip(EVENTS, strip);
    root.querySelector<HTMLElement>('.event[data-id="b"]')!.click();
    await settle();
    const slot = root.querySelector<HTMLSlotElement>('.popup slot[name="event-actions"]')!;
    expect(slot.assignedElements()).toEqual([action]);
    // Keys inside the pop-up are its controls' own: Enter on Play is Play's click (once), not
    // the strip's; arrows there do not move to another event. Escape still closes it.
    const play = root.querySelector<HTMLButtonElement>(".play-event")!;
    const press = (key: string) => play.dispatchEvent(new KeyboardEvent("keydown", { key, bubbles: true, composed: true, cancelable: true }));
    expect(press("Enter")).toBe(true); // not prevented: the button's own click follows
    press("ArrowLeft");
    await settle();
    expect(played).toEqual([]);
    expect(popupLabel(root)).toBe("Doorbell");
    expect(press("Escape")).toBe(false);
    await settle();
    expect(root.querySelector(".popup")).toBeNull();
    expect(opened.slice(-2)).toEqual(["b", null]);
  });
});
