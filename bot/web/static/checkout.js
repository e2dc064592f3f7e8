// The checkout's 支付: ask the server for the attempt's signed parameters, hand them to
// WeChat's getBrandWCPayRequest, then ask the server until the payment is confirmed (WeChat's
// "ok" only means the payer finished; the notification is what makes the bill paid).
"use strict";
(function () {
  const button = document.getElementById("pay");
  if (!button) return;
  const message = document.getElementById("paymsg");
  const base = button.dataset.base;
  const say = (text) => { message.textContent = text; };

  async function confirm(triesLeft) {
    try {
      const res = await fetch(base + "/state", { credentials: "same-origin" });
      const data = await res.json();
      if (data.ok && data.paid) { location.reload(); return; }
    } catch (err) { /* try again */ }
    if (triesLeft > 0) { setTimeout(() => confirm(triesLeft - 1), 1000); return; }
    say("支付结果确认中，确认后会在公众号里通知您，请勿重复付款。");
  }

  // Outside WeChat (a PC): a QR code of a Native order, to scan with WeChat.
  async function showCode() {
    let data;
    try {
      const res = await fetch(base + "/qr", { method: "POST", credentials: "same-origin" });
      data = await res.json();
    } catch (err) {
      say("网络不太好，请稍后再试。");
      button.disabled = false;
      return;
    }
    if (!data.ok) { say(data.message); return; }
    document.getElementById("qrcode").innerHTML = data.svg;
    say("请用微信扫一扫上面的二维码付款。");
    confirm(300);
  }

  function pay(request) {
    WeixinJSBridge.invoke("getBrandWCPayRequest", request, (result) => {
      const outcome = result && result.err_msg;
      if (outcome === "get_brand_wcpay_request:ok") {
        say("支付完成，正在确认…");
        confirm(20);
      } else if (outcome === "get_brand_wcpay_request:cancel") {
        say("已取消支付，可以随时再付。");
        button.disabled = false;
      } else {
        say("支付没有成功，请稍后再试。");
        button.disabled = false;
      }
    });
  }

  button.addEventListener("click", async () => {
    if (button.disabled) return;
    button.disabled = true;
    if (typeof WeixinJSBridge === "undefined") { await showCode(); return; }
    say("正在发起支付…");
    let data;
    try {
      const res = await fetch(base + "/order", { method: "POST", credentials: "same-origin" });
      data = await res.json();
    } catch (err) {
      say("网络不太好，请稍后再试。");
      button.disabled = false;
      return;
    }
    if (!data.ok) { say(data.message); return; }
    pay(data.request);
  });
})();
