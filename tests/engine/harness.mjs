// Runs a batch of cases through one XForm in ODK Web Forms' engine (@getodk/xforms-engine)
// and prints what the engine decided, as JSON, for the pytest wrappers beside this file.
//
//   node harness.mjs --form form.xml --cases cases.json [--media DIR]
//
// cases.json is a list of cases, each
//   { "id": "…",
//     "set":   [["/data/consent/consent_age", "8"], {"add": "/data/goal"}, …],
//     "read":  ["/data/child", "/data/child/national_id", …],
//     "sweep": {"path": "/data/child/national_id", "values": ["…", …]}   (optional) }
// Every case starts from a fresh instance of the form. With a sweep, the case's `set`
// is applied once, then each value is set in turn on the same instance and `read` is
// reported after each one, so thousands of values cost one instance.
//
// Output: {"load_ms": n, "results": [{"id", "error"?, "reads"?, "sweep"?: [{"value", "reads"}]}]}
// A read is {"exists", "type", "relevant", "required", "readonly", "value",
//            "constraint" (true/false, null for groups), "required_ok", "message",
//            "count" (repeats: rows now), "choices" (selects: names offered now),
//            "violations" (groups and the root: "<path> constraint|required" of each failing question)}.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { JSDOM } from 'jsdom';

// The engine's XPath parser is an Emscripten WASM build that, under Node, locates itself
// through a CommonJS `__dirname`; ES modules have none, so give it one before importing.
globalThis.__dirname = path.dirname(fileURLToPath(import.meta.url));

// The engine parses XML with the DOM; Node has no DOM, jsdom supplies one.
const { window } = new JSDOM('');
for (const name of ['DOMParser', 'XMLSerializer', 'Node', 'Document', 'XMLDocument', 'Element', 'Attr', 'Text', 'NodeFilter', 'document']) {
	if (!(name in globalThis)) globalThis[name] = window[name];
}

const { loadForm } = await import('@getodk/xforms-engine');

function parseArgs(argv) {
	const args = {};
	for (let i = 0; i < argv.length; i += 2) {
		if (!argv[i].startsWith('--') || argv[i + 1] === undefined) {
			throw new Error(`usage: node harness.mjs --form FILE --cases FILE [--media DIR]; got ${argv.join(' ')}`);
		}
		args[argv[i].slice(2)] = argv[i + 1];
	}
	if (!args.form || !args.cases) throw new Error('--form and --cases are required');
	return args;
}

// Form attachments (jr://file/x.csv, jr://file-csv/x.csv, jr://images/…) are served from
// the media folder by file name, as Collect does with a form's media files.
function attachmentFetcher(mediaDir) {
	return async (url) => {
		const name = decodeURIComponent(String(url.href ?? url).split('/').pop());
		if (!mediaDir) throw new Error(`form attachment ${name} requested but no --media folder given`);
		let body;
		try {
			body = readFileSync(path.join(mediaDir, name));
		} catch {
			throw new Error(`form attachment ${name} is not in ${mediaDir}`);
		}
		return new Response(body, { status: 200 });
	};
}

function indexNodes(root) {
	const nodes = new Map();
	const walk = (node) => {
		nodes.set(node.currentState.reference, node);
		for (const child of node.currentState.children ?? []) walk(child);
	};
	walk(root);
	return nodes;
}

function valueOf(node) {
	const value = node.currentState.value;
	if (value === null || value === undefined) return null;
	if (Array.isArray(value)) return value.join(' ');
	if (typeof value === 'object' && 'toString' in value) return String(value);
	return String(value);
}

function setValue(node, value) {
	switch (node.nodeType) {
		case 'select': {
			const wanted = String(value).split(/\s+/).filter(Boolean);
			node.selectValues(wanted);
			// The engine silently drops values that are not among the current choices
			// (e.g. filtered out by a choice_filter); a test must not mistake that for success.
			const got = node.currentState.value;
			const missing = wanted.filter((v) => !got.includes(v));
			if (missing.length) throw new Error(`${missing.join(' ')} is not a current choice of ${node.currentState.reference}`);
			return;
		}
		case 'input':
		case 'range':
		case 'trigger':
			node.setValue(value);
			return;
		default:
			throw new Error(`${node.currentState.reference} is a ${node.nodeType}; only questions can be answered`);
	}
}

function read(nodes, ref) {
	const node = nodes.get(ref);
	if (!node) return { exists: false };
	const state = node.currentState;
	const validation = node.validationState;
	const leaf = validation && 'constraint' in validation;
	const violation = leaf ? validation.violation : null;
	return {
		exists: true,
		type: node.nodeType,
		relevant: state.relevant,
		required: state.required,
		readonly: state.readonly,
		value: state.children ? null : valueOf(node),
		// For repeats: how many instances (rows) there are now.
		count: node.nodeType.startsWith('repeat-range') ? state.children.length : null,
		constraint: leaf ? validation.constraint.valid : null,
		required_ok: leaf ? validation.required.valid : null,
		message: violation?.message?.asString ?? null,
		// For groups and the root: every question below that stops the form being sent.
		// For selects: the choices offered right now (after choice filters), by name.
		choices: node.nodeType === 'select' ? state.valueOptions.map((item) => item.value) : null,
		violations: leaf ? null : (validation?.violations ?? []).map((v) => `${v.reference} ${v.violation.condition}`),
	};
}

function readAll(nodes, refs) {
	return Object.fromEntries(refs.map((ref) => [ref, read(nodes, ref)]));
}

function runCase(form, testCase) {
	const instance = form.createInstance();
	let nodes = indexNodes(instance.root);
	const find = (ref) => {
		// Repeats driven by repeat_count grow and shrink as answers change: look again.
		if (!nodes.has(ref)) nodes = indexNodes(instance.root);
		const node = nodes.get(ref);
		if (!node) throw new Error(`no node ${ref} in the form`);
		return node;
	};
	for (const op of testCase.set ?? []) {
		if (Array.isArray(op)) {
			setValue(find(op[0]), op[1]);
		} else if (op.add) {
			find(op.add).addInstances(undefined, op.count ?? 1);
			nodes = indexNodes(instance.root); // repeat instances add nodes
		} else {
			throw new Error(`unknown operation ${JSON.stringify(op)}`);
		}
	}
	const refs = testCase.read ?? [];
	if (!testCase.sweep) return { reads: readAll(indexNodes(instance.root), refs) };
	const target = find(testCase.sweep.path);
	return {
		sweep: testCase.sweep.values.map((value) => {
			setValue(target, value);
			return { value, reads: readAll(indexNodes(instance.root), refs) };
		}),
	};
}

async function main() {
	const args = parseArgs(process.argv.slice(2));
	const xml = readFileSync(args.form, 'utf8');
	const cases = JSON.parse(readFileSync(args.cases, 'utf8'));
	const started = performance.now();
	const form = await loadForm(xml, { fetchFormAttachment: attachmentFetcher(args.media) });
	if (form.status === 'failure') {
		const causes = (form.error?.errors ?? []).map((e) => e?.message ?? String(e));
		throw new Error(`the engine could not load the form: ${[...new Set([form.error?.message, ...causes])].join('; ')}`);
	}
	const loadMs = Math.round(performance.now() - started);
	const results = cases.map((testCase) => {
		try {
			return { id: testCase.id, ...runCase(form, testCase) };
		} catch (error) {
			return { id: testCase.id, error: String(error?.message ?? error) };
		}
	});
	process.stdout.write(JSON.stringify({ load_ms: loadMs, results }));
}

main().catch((error) => {
	process.stderr.write(`${error?.stack ?? error}\n`);
	process.exit(1);
});
