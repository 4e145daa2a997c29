import { afterEach, describe, expect, it } from "vitest";
import { entitySuggestion } from "../src/index";
import { CAMERA_MODEL, DEFAULT_HOURS, configForm, layoutOf, selectCameras } from "../src/card";
import type { HomeAssistant } from "../src/types";
import { CAMERA, fakeHass, settle, wsError } from "./helpers";

type Card = HTMLElement & { setConfig(config: unknown): void; hass: HomeAssistant };

async function mountCard(hass: HomeAssistant, config: Record<string, unknown>): Promise<ShadowRoot> {
  const card = document.createElement("heldar-timeline-card") as Card;
  card.setConfig({ type: "custom:heldar-timeline-card", ...config });
  card.hass = hass;
  document.body.append(card);
  await settle();
  return card.shadowRoot!;
}

afterEach(() => document.body.replaceChildren());

describe("the card", () => {
  it("is offered in the card picker, with a preview and HA's own editor form", () => {
    const cards = (window as unknown as { customCards: { type: string; preview: boolean }[] }).customCards;
    const entry = cards.find((c) => c.type === "heldar-timeline-card");
    expect(entry?.preview).toBe(true);
    const Card = customElements.get("heldar-timeline-card") as unknown as {
      getConfigForm(): ReturnType<typeof configForm>;
      getStubConfig(): { hours: number };
    };
    const form = Card.getConfigForm();
    expect(form.schema.map((field) => field.name)).toEqual(["cameras", "layout", "hours", "title"]);
    // A device picker of Heldar's camera devices (not its hub), several at once.
    expect(form.schema[0].selector).toEqual({
      device: { multiple: true, filter: { integration: "heldar", model: CAMERA_MODEL } },
    });
    expect(form.computeLabel({ name: "cameras" })).toMatch(/Cameras/);
    const layout = form.schema[1].selector as { select: { options: { value: string }[] } };
    expect(layout.select.options.map((option) => option.value)).toEqual(["stack", "grid"]);
    expect(form.computeLabel({ name: "layout" })).toBe("Layout");
    expect(form.computeHelper({ name: "layout" })).toMatch(/9 cameras/);
    expect(Card.getStubConfig().hours).toBe(DEFAULT_HOURS);
    expect(DEFAULT_HOURS).toBeLessThanOrEqual(3); // the last hour readable when it opens
  });

  it("is suggested for a Heldar camera's entities in the picker's By entity", () => {
    const hass = {
      entities: {
        "sensor.front_door_recorder_state": { entity_id: "x", platform: "heldar", device_id: "dev1" },
        "sensor.heldar_free_space": { entity_id: "y", platform: "heldar", device_id: "hub" },
        "light.kitchen": { entity_id: "z", platform: "hue", device_id: "lamp" },
      },
      devices: { dev1: { id: "dev1", model: CAMERA_MODEL }, hub: { id: "hub", model: "Recorder hub" } },
    } as unknown as HomeAssistant;
    expect(entitySuggestion(hass, "sensor.front_door_recorder_state")).toEqual({
      config: { type: "custom:heldar-timeline-card", cameras: ["dev1"] },
    });
    expect(entitySuggestion(hass, "sensor.heldar_free_space")).toBeNull();
    expect(entitySuggestion(hass, "light.kitchen")).toBeNull();
  });

  it("picks the configured cameras in order, by device or camera id, or all", () => {
    const all = [CAMERA, { ...CAMERA, camera: "sub2", device_id: "dev2" }];
    expect(selectCameras(all, ["sub2", "gone"]).map((c) => c.camera)).toEqual(["sub2"]);
    expect(selectCameras(all, ["dev2", "dev1"]).map((c) => c.camera)).toEqual(["sub2", "sub1"]);
    expect(selectCameras(all, [])).toHaveLength(2);
  });

  it("rejects a bad config", () => {
    const card = document.createElement("heldar-timeline-card") as HTMLElement & { setConfig(c: unknown): void };
    expect(() => card.setConfig({ type: "custom:heldar-timeline-card", hours: -1 })).toThrow(/hours/);
    expect(() => card.setConfig({ type: "custom:heldar-timeline-card", layout: "mosaic" })).toThrow(/layout/);
  });

  it("stacks panels unless the config asks for the grid, which then holds every camera", async () => {
    expect(layoutOf({ type: "custom:heldar-timeline-card" })).toBe("stack");
    expect(layoutOf({ type: "custom:heldar-timeline-card", layout: "grid" })).toBe("grid");
    const { hass } = fakeHass([CAMERA, { ...CAMERA, camera: "sub2", name: "Yard", device_id: "dev2" }]);
    const root = await mountCard(hass, { cameras: ["sub2", "dev1"], hours: 6, layout: "grid" });
    expect(root.querySelectorAll("heldar-camera-timeline")).toHaveLength(0);
    const grid = root.querySelector("heldar-camera-grid");
    expect(grid?.cameras.map((c) => c.name)).toEqual(["Yard", "Front door"]);
    expect([grid?.timeZone, grid?.hours]).toEqual(["Europe/Berlin", 6]);
    // The picker's "Heldar camera grid" is the same card, opening as the grid.
    const cards = (window as unknown as { customCards: { type: string; name: string }[] }).customCards;
    expect(cards.find((c) => c.type === "heldar-grid-card")?.name).toBe("Heldar camera grid");
    const sibling = document.createElement("heldar-grid-card") as Card;
    sibling.setConfig({ type: "custom:heldar-grid-card", cameras: ["dev1"] });
    sibling.hass = hass;
    document.body.append(sibling);
    await settle();
    expect(sibling.shadowRoot!.querySelector("heldar-camera-grid")?.cameras.map((c) => c.name)).toEqual(["Front door"]);
    const stacked = await mountCard(hass, { cameras: ["sub2", "dev1"], layout: "stack" });
    expect(stacked.querySelectorAll("heldar-camera-timeline")).toHaveLength(2);
    expect(stacked.querySelector("heldar-camera-grid")).toBeNull();
  });

  it("shows a panel for each configured camera, in its order, with HA's time zone and the hours asked for", async () => {
    const { hass } = fakeHass([CAMERA, { ...CAMERA, camera: "sub2", name: "Yard", device_id: "dev2" }]);
    const root = await mountCard(hass, { cameras: ["sub2", "dev1"], hours: 6, title: "Cameras" });
    expect(root.querySelector(".title")?.textContent).toBe("Cameras");
    const panels = [...root.querySelectorAll("heldar-camera-timeline")];
    expect(panels.map((p) => [p.camera?.name, p.timeZone, p.hours])).toEqual([
      ["Yard", "Europe/Berlin", 6],
      ["Front door", "Europe/Berlin", 6],
    ]);
  });

  it("says when there is no camera to show, and why the cameras could not be had", async () => {
    const empty = fakeHass([]);
    expect((await mountCard(empty.hass, {})).querySelector(".empty")?.textContent).toBe("No Heldar camera to show.");
    const failing = fakeHass();
    failing.answer("heldar/cameras", () => {
      throw wsError("unauthorized", "Unauthorized");
    });
    expect((await mountCard(failing.hass, {})).querySelector(".empty")?.textContent).toBe("Heldar: Unauthorized");
  });
});

describe("registration", () => {
  it("defines its elements again when the page swaps in a new custom-element registry", async () => {
    // HA's app installs a scoped-registry polyfill that replaces window.customElements.
    const Registry = customElements.constructor as new (window: Window) => CustomElementRegistry;
    const fresh = new Registry(window);
    expect(fresh.get("heldar-timeline-card")).toBeUndefined();
    Object.defineProperty(window, "customElements", { value: fresh, configurable: true, writable: true });
    await new Promise((resolve) => setTimeout(resolve, 150));
    const tags = ["heldar-timeline-card", "heldar-camera-timeline", "heldar-timeline-bar", "heldar-event-strip"];
    for (const tag of [...tags, "heldar-camera-head", "heldar-live-picture", "heldar-event-share"]) {
      expect(fresh.get(tag), tag).toBeDefined();
    }
  });
});
