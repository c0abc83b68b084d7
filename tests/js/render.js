#!/usr/bin/env node
// Render LaTeX strings the way notebooks do, failing on anything a renderer rejects.
//
// stdin:  a JSON list of LaTeX strings (math mode content, as inside $...$; a leading
//         "$\displaystyle " and trailing "$" of a text/latex payload are stripped)
// stdout: a JSON list of {katex: null | "error", mathjax: null | "error", mathjax2: null | "error"}
//
// KaTeX 0.16: displayMode, throwOnError, strict "error" (the VS Code notebook renderer's engine).
// MathJax 3: TeX input with base, ams, boldsymbol, newcommand, configmacros -- a subset of what
// JupyterLab loads, so that passing here means passing there; any TeX error throws. Without the
// textmacros package MathJax prints a backslash inside \text{} literally, so that is an error too.
// MathJax 2 (classic notebook, Colab) through mathjax-node: TeX with AMSmath, AMSsymbols and
// boldsymbol (what the TeX-AMS configurations load or autoload); any TeX error is a failure.
"use strict";

const katex = require("katex");
const { mathjax } = require("mathjax-full/js/mathjax.js");
const { TeX } = require("mathjax-full/js/input/tex.js");
const { SVG } = require("mathjax-full/js/output/svg.js");
const { liteAdaptor } = require("mathjax-full/js/adaptors/liteAdaptor.js");
const { RegisterHTMLHandler } = require("mathjax-full/js/handlers/html.js");
require("mathjax-full/js/input/tex/base/BaseConfiguration.js");
require("mathjax-full/js/input/tex/ams/AmsConfiguration.js");
require("mathjax-full/js/input/tex/boldsymbol/BoldsymbolConfiguration.js");
require("mathjax-full/js/input/tex/newcommand/NewcommandConfiguration.js");
require("mathjax-full/js/input/tex/configmacros/ConfigMacrosConfiguration.js");

const adaptor = liteAdaptor();
RegisterHTMLHandler(adaptor);
const tex = new TeX({
  packages: ["base", "ams", "boldsymbol", "newcommand", "configmacros"],
  formatError: (jax, err) => {
    throw err;
  },
});
const svg = new SVG({ fontCache: "none" });
const mathjax2 = require("mathjax-node");
mathjax2.config({ MathJax: { TeX: { extensions: ["AMSmath.js", "AMSsymbols.js", "boldsymbol.js"] } } });
mathjax2.start();
const html = mathjax.document("", { InputJax: tex, OutputJax: svg });

function strip(payload) {
  let s = payload.trim();
  if (s.startsWith("$$") && s.endsWith("$$")) s = s.slice(2, -2);
  else if (s.startsWith("$") && s.endsWith("$")) s = s.slice(1, -1);
  return s.replace(/^\s*\\displaystyle\s*/, "");
}

// \text{...} arguments (one level of braces) containing a backslash or unicode outside Latin-1.
function textProblems(s) {
  const re = /\\text\s*\{((?:[^{}]|\{[^{}]*\})*)\}/g;
  let m;
  while ((m = re.exec(s)) !== null) {
    if (m[1].includes("\\")) return `backslash inside \\text{${m[1]}} prints literally in MathJax without textmacros`;
  }
  return null;
}

function renderKatex(s) {
  try {
    katex.renderToString(s, { displayMode: true, throwOnError: true, strict: "error" });
    return null;
  } catch (e) {
    return String(e.message || e);
  }
}

function renderMathjax(s) {
  const problem = textProblems(s);
  if (problem) return problem;
  try {
    const node = html.convert(s, { display: true });
    const out = adaptor.outerHTML(node);
    if (out.includes("merror") || out.includes("data-mjx-error")) return "MathJax produced an error node";
    return null;
  } catch (e) {
    return String(e.message || e);
  }
}

async function renderMathjax2(s) {
  try {
    const result = await mathjax2.typeset({ math: s, format: "TeX", mml: true });
    if (result.errors && result.errors.length) return String(result.errors.join("; "));
    if (/merror/.test(result.mml || "")) return "MathJax 2 produced an error node";
    return null;
  } catch (e) {
    return String(Array.isArray(e) ? e.join("; ") : e.message || e);
  }
}

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", async () => {
  const items = JSON.parse(input);
  const results = [];
  for (const payload of items) {
    const s = strip(payload);
    results.push({ katex: renderKatex(s), mathjax: renderMathjax(s), mathjax2: await renderMathjax2(s) });
  }
  process.stdout.write(JSON.stringify(results));
});
