import jsQRImport from "jsqr";

// jsqr is a CommonJS (webpack UMD) build whose exports carry `default`: take the function either way.
type Decode = (
  data: Uint8ClampedArray,
  width: number,
  height: number,
  options?: object,
) => { data: string } | null;
const jsQR = ((jsQRImport as unknown as { default?: Decode }).default ?? jsQRImport) as unknown as Decode;

/**
 * Camera scan on the verifier page (电子证照核验): with a camera (getUserMedia), a "扫码" button reads
 * the holder's QR code, with the browser's BarcodeDetector where it exists and jsQR otherwise, fills
 * the paste field and submits the form. Without JavaScript or a camera the paste field works as
 * before; whatever the QR holds is checked by the server (garbage answers "不是有效的亮证码").
 */
interface Detector {
  detect(source: HTMLVideoElement): Promise<{ rawValue: string }[]>;
}
type DetectorClass = new (options: { formats: string[] }) => Detector;

function start(root: HTMLElement): void {
  const form = root.closest("form");
  const field = document.getElementById("presentation") as HTMLTextAreaElement | null;
  const media = navigator.mediaDevices;
  if (!form || !field || !media || typeof media.getUserMedia !== "function") return;
  const button = document.createElement("button");
  button.type = "button";
  button.className = "button secondary";
  button.textContent = "用摄像头扫码";
  const status = document.createElement("p");
  status.className = "meta";
  status.setAttribute("role", "status");
  const video = document.createElement("video");
  video.setAttribute("playsinline", "");
  video.muted = true;
  video.hidden = true;
  video.width = 320;
  root.append(button, status, video);

  let stream: MediaStream | null = null;
  const stop = () => {
    stream?.getTracks().forEach((track) => track.stop());
    stream = null;
    video.hidden = true;
    button.textContent = "用摄像头扫码";
  };
  const Native = (window as unknown as { BarcodeDetector?: DetectorClass }).BarcodeDetector;
  const detector = Native ? new Native({ formats: ["qr_code"] }) : null;
  const canvas = document.createElement("canvas");
  const context = canvas.getContext("2d", { willReadFrequently: true });

  const decode = async (): Promise<string | null> => {
    if (detector) {
      try {
        const found = await detector.detect(video);
        return found[0]?.rawValue ?? null;
      } catch {
        // fall through to jsQR
      }
    }
    if (!context || !video.videoWidth) return null;
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    context.drawImage(video, 0, 0, canvas.width, canvas.height);
    const image = context.getImageData(0, 0, canvas.width, canvas.height);
    return jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" })?.data ?? null;
  };

  const scan = async () => {
    if (!stream) return;
    const text = await decode();
    if (text) {
      field.value = text.trim();
      status.textContent = "已读取亮证码，正在核验…";
      stop();
      form.submit();
      return;
    }
    requestAnimationFrame(() => void scan());
  };

  button.addEventListener("click", () => {
    if (stream) {
      stop();
      status.textContent = "已关闭摄像头";
      return;
    }
    media
      .getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(async (s) => {
        stream = s;
        video.srcObject = s;
        video.hidden = false;
        button.textContent = "关闭摄像头";
        status.textContent = "请将持证人的亮证二维码对准摄像头";
        await video.play();
        void scan();
      })
      .catch(() => {
        status.textContent = "无法使用摄像头，请粘贴亮证码文本核验";
      });
  });
}

document.querySelectorAll<HTMLElement>("[data-licence-scan]").forEach(start);
