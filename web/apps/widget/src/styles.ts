// The widget's stylesheet, adopted by its shadow root as a constructable
// stylesheet: no <style> element is injected into the host page, the page's
// CSS does not reach inside (`:host { all: initial }`), and ours stays inside.
// The :host rules are !important because, across shadow boundaries, the
// inner !important declaration beats the page's own (even `* {… !important}`).
export const css = `
:host{all:initial!important;display:block!important;position:fixed!important;z-index:2147483000!important;top:auto!important;bottom:20px!important;right:20px!important;left:auto!important;width:auto!important;height:auto!important;margin:0!important;padding:0!important;border:0!important;font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif!important;color:#1f2328!important;text-align:left!important;--hd-accent:#4f46e5;--hd-accent-fg:#fff}
:host(.left){right:auto!important;left:20px!important}
*,*::before,*::after{box-sizing:border-box}
[hidden]{display:none!important}
button,input,textarea{font:inherit;color:inherit}
.launcher{display:flex;align-items:center;gap:8px;position:relative;margin-left:auto;min-width:56px;height:56px;padding:0 16px;border:0;border-radius:28px;background:var(--hd-accent);color:var(--hd-accent-fg);box-shadow:0 4px 16px rgba(0,0,0,.2);cursor:pointer;justify-content:center}
:host(.left) .launcher{margin-left:0}
.launcher:focus-visible,.btn:focus-visible,.close:focus-visible{outline:3px solid #a5b4fc;outline-offset:2px}
.launcher svg{width:26px;height:26px;fill:currentColor}
.badge{position:absolute;top:-4px;right:-4px;min-width:20px;height:20px;padding:0 6px;border-radius:10px;background:#dc2626;color:#fff;font-size:12px;font-weight:600;line-height:20px;text-align:center}
.panel{position:absolute;bottom:72px;right:0;display:flex;flex-direction:column;width:370px;max-width:calc(100vw - 40px);height:560px;max-height:calc(100vh - 120px);background:#fff;border-radius:14px;box-shadow:0 8px 32px rgba(0,0,0,.22);overflow:hidden}
:host(.left) .panel{right:auto;left:0}
.head{display:flex;align-items:flex-start;gap:8px;padding:16px;background:var(--hd-accent);color:var(--hd-accent-fg)}
.head-text{flex:1;min-width:0}
.title{margin:0;font-size:16px;font-weight:600}
.greeting{margin:4px 0 0;font-size:13px;opacity:.9;white-space:pre-wrap;overflow-wrap:anywhere}
.close{border:0;background:transparent;color:inherit;font-size:22px;line-height:1;cursor:pointer;padding:0 4px;border-radius:4px}
.status{padding:6px 16px;background:#fef3c7;color:#78350f;font-size:12px}
.status.error{background:#fee2e2;color:#7f1d1d}
.prechat{display:flex;flex-direction:column;gap:10px;padding:16px;overflow:auto}
.prechat p{margin:0 0 4px;color:#57606a;white-space:pre-wrap;overflow-wrap:anywhere}
.field{display:flex;flex-direction:column;gap:4px;font-size:13px;font-weight:500}
.field input{padding:8px 10px;border:1px solid #d0d7de;border-radius:8px;background:#fff;font-weight:400}
.field input:focus,.composer textarea:focus{outline:2px solid var(--hd-accent);outline-offset:-1px}
.error-text{color:#b91c1c;font-size:12px;min-height:1em}
.btn{padding:9px 14px;border:0;border-radius:8px;background:var(--hd-accent);color:var(--hd-accent-fg);font-weight:600;cursor:pointer}
.btn:disabled{opacity:.6;cursor:default}
.chat{display:flex;flex-direction:column;flex:1;min-height:0}
.messages{flex:1;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:6px;background:#f6f8fa}
.msg{max-width:80%;padding:8px 11px;border-radius:12px;background:#fff;border:1px solid #e5e7eb;white-space:pre-wrap;overflow-wrap:anywhere;align-self:flex-start}
.msg.contact{align-self:flex-end;background:var(--hd-accent);color:var(--hd-accent-fg);border-color:transparent}
.msg.system{align-self:center;background:transparent;border:0;color:#57606a;font-size:12px;text-align:center}
.msg.ai .who{display:block;font-size:11px;color:#57606a;margin-bottom:2px}
.msg .note{display:block;font-size:11px;opacity:.8;margin-top:2px;text-align:right}
.msg.failed{background:#fee2e2;color:#7f1d1d;cursor:pointer}
.msg.pending{opacity:.7}
.empty{margin:auto;color:#57606a;text-align:center;font-size:13px}
.resolved{padding:8px 14px;font-size:12px;color:#14532d;background:#dcfce7;border-top:1px solid #bbf7d0}
.typing{padding:4px 14px;font-size:12px;color:#57606a;background:#f6f8fa}
.composer{display:flex;gap:8px;padding:10px;border-top:1px solid #e5e7eb;background:#fff}
.composer textarea{flex:1;resize:none;height:40px;max-height:120px;padding:9px 10px;border:1px solid #d0d7de;border-radius:8px}
@media (max-width:480px){:host{bottom:12px!important;right:12px!important}:host(.left){right:auto!important;left:12px!important}.panel{width:calc(100vw - 24px);height:calc(100vh - 96px)}}
`
