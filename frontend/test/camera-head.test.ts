import { afterEach, describe, expect, it } from "vitest";
import type { HeldarCameraHead } from "../src/camera-head";
import type { HomeAssistant } from "../src/types";
import { CAMERA, fakeHass, settle } from "./helpers";

async function mountHead(hass: HomeAssistant): Promise<[ShadowRoot, string[], string[]]> {
  const head: HeldarCameraHead = document.createElement("heldar-camera-head");
  const notices: string[] = [];
  const errors: string[] = [];
  head.addEventListener("heldar-notice", (e) => notices.push(e.detail.text));
  head.addEventListener("heldar-error", (e) => errors.push(e.detail.text));
  head.hass = hass;
  head.camera = CAMERA;
  head.clock = { timeZone: "Europe/Berlin", locale: "en-GB" };
  document.body.append(head);
  await head.updateComplete;
  return [head.shadowRoot!, notices, errors];
}

afterEach(() => document.body.replaceChildren());

describe("the camera head", () => {
  it("names the camera and shows its recorder state as Home Assistant words it", async () => {
    const { hass } = fakeHass();
    hass.formatEntityState = (entity) => (entity.state === "recording" ? "Aufnahme" : entity.state);
    const [root] = await mountHead(hass);
    expect(root.querySelector(".name")?.textContent).toBe("Front door");
    const state = root.querySelector(".state")!;
    expect(state.textContent?.trim()).toBe("Aufnahme");
    expect(state.classList.contains("recording")).toBe(true);
  });

  it("toggles the Recording enabled switch, and says why when that fails", async () => {
    const { hass, services } = fakeHass();
    const [root, , errors] = await mountHead(hass);
    const toggle = root.querySelector<HTMLButtonElement>(".recording-switch")!;
    expect([toggle.getAttribute("aria-pressed"), toggle.textContent?.trim()]).toEqual(["true", "Recording on"]);
    toggle.click();
    expect(services).toEqual([["switch", "toggle", { entity_id: "switch.front_door_recording" }]]);
    hass.callService = () => Promise.reject(new Error("Unauthorized"));
    toggle.click();
    await settle();
    expect(errors).toEqual(["Unauthorized"]);
  });

  it("triggers the camera's device and says what that did, until when", async () => {
    const { hass, calls } = fakeHass();
    const [root, notices] = await mountHead(hass);
    root.querySelector<HTMLButtonElement>(".trigger")!.click();
    await settle();
    expect(calls.find((c) => c.type === "call_service")).toEqual({
      type: "call_service",
      domain: "heldar",
      service: "trigger",
      service_data: { reason: "button" },
      target: { device_id: "dev1" },
      return_response: true,
    });
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(/^Front door: started an event recording \(until \d\d:\d\d:\d\d\)$/);
  });

  it("disables Trigger where the camera's mode ignores it, saying why", async () => {
    const { hass } = fakeHass();
    hass.states["sensor.front_door_recorder_state"]!.attributes = { mode: "continuous", triggers: "already_continuous" };
    const [root] = await mountHead(hass);
    const trigger = root.querySelector<HTMLButtonElement>(".trigger")!;
    expect(trigger.disabled).toBe(true);
    expect(trigger.title).toBe("already recording continuously");
  });
});
