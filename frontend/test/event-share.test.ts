import { afterEach, describe, expect, it, vi } from "vitest";
import type { HeldarEventShare } from "../src/event-share";
import { ExportController } from "../src/export-controller";
import type { TimelineEvent } from "../src/model";
import { fakeHass, settle, wsError } from "./helpers";

const EVENT: TimelineEvent = {
  id: "ev1",
  start: Date.parse("2026-07-01T10:00:00Z"),
  end: Date.parse("2026-07-01T10:00:30Z"),
  reason: "Doorbell",
  thumbnail: null,
};
const LINK = "https://home.example/api/heldar/share/abc.mp4";

async function mountShare(event: TimelineEvent = EVENT) {
  const fake = fakeHass();
  fake.answer("heldar/share", () => ({
    share_id: "s1",
    url: LINK,
    path: "/api/heldar/share/abc.mp4",
    expires: "2026-07-08T10:00:00+00:00",
  }));
  const controller = new ExportController({ hass: () => fake.hass, camera: "sub1" });
  const share: HeldarEventShare = document.createElement("heldar-event-share");
  share.controller = controller;
  share.event = event;
  share.clock = { timeZone: "Europe/Berlin", locale: "en-GB" };
  document.body.append(share);
  await share.updateComplete;
  return { fake, controller, share, root: share.shadowRoot! };
}

const shareCalls = (calls: Record<string, unknown>[]) => calls.filter((c) => c.type === "heldar/share");

afterEach(() => {
  document.body.replaceChildren();
  vi.unstubAllGlobals();
});

describe("the Share button", () => {
  it("shares the event for the time chosen, then shows the link and until when it works", async () => {
    const { fake, root } = await mountShare();
    const choice = root.querySelector<HTMLSelectElement>(".share-lifetime")!;
    expect([...choice.options].map((o) => o.textContent)).toEqual(["1 hour", "1 day", "7 days"]);
    expect(choice.value).toBe("86400"); // a day unless chosen
    choice.value = "604800";
    choice.dispatchEvent(new Event("change"));
    root.querySelector<HTMLButtonElement>(".share-event")!.click();
    await settle();
    expect(shareCalls(fake.calls)).toEqual([{ type: "heldar/share", camera: "sub1", event_id: "ev1", expires_in: 604_800 }]);
    expect(root.querySelector<HTMLInputElement>(".share-url")?.value).toBe(LINK);
    expect(root.querySelector(".share-expiry")?.textContent).toBe("Works until Wed 8 Jul, 12:00:00");
    expect(root.querySelector(".share-event")).toBeNull();
  });

  it("copies the link, or selects it where the page may not use the clipboard", async () => {
    const copied: string[] = [];
    vi.stubGlobal("navigator", { clipboard: { writeText: (text: string) => Promise.resolve(void copied.push(text)) } });
    const { root } = await mountShare();
    root.querySelector<HTMLButtonElement>(".share-event")!.click();
    await settle();
    root.querySelector<HTMLButtonElement>(".copy-link")!.click();
    await settle();
    expect(copied).toEqual([LINK]);
    expect(root.querySelector(".copied")?.textContent).toBe("Copied.");

    vi.stubGlobal("navigator", { clipboard: { writeText: () => Promise.reject(new DOMException("denied", "NotAllowedError")) } });
    const field = root.querySelector<HTMLInputElement>(".share-url")!;
    const selected = vi.spyOn(field, "select");
    root.querySelector<HTMLButtonElement>(".copy-link")!.click();
    await settle();
    expect(selected).toHaveBeenCalled();
    expect(root.querySelector(".copied")?.textContent).toBe("Selected: copy it from the box.");
  });

  it("shows the link made for an event again when its pop-up opens again, and none for another", async () => {
    vi.stubGlobal("navigator", { clipboard: { writeText: () => Promise.resolve() } });
    const { share, root } = await mountShare();
    root.querySelector<HTMLButtonElement>(".share-event")!.click();
    await settle();
    root.querySelector<HTMLButtonElement>(".copy-link")!.click();
    await settle();
    share.event = { ...EVENT, id: "ev2" };
    await share.updateComplete;
    expect(root.querySelector(".share-url")).toBeNull();
    expect(root.querySelector(".share-event")).not.toBeNull();
    share.event = EVENT;
    await share.updateComplete;
    expect(root.querySelector<HTMLInputElement>(".share-url")?.value).toBe(LINK);
    expect(root.querySelector(".copied")).toBeNull(); // "Copied." was about the last time
  });

  it("cannot share an event still recording, and says why a share was refused", async () => {
    const { fake, share, root } = await mountShare({ ...EVENT, end: null });
    const button = root.querySelector<HTMLButtonElement>(".share-event")!;
    expect(button.disabled).toBe(true);
    expect(button.title).toMatch(/finished recording/);
    fake.answer("heldar/share", () => {
      throw wsError("unauthorized", "Unauthorized");
    });
    share.event = EVENT;
    await share.updateComplete;
    button.click();
    await settle();
    expect(root.querySelector(".note.error")?.textContent).toBe("Unauthorized");
    expect(root.querySelector<HTMLButtonElement>(".share-event")?.disabled).toBe(false); // it may try again
  });
});
