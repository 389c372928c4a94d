/* micrograd, the book: the live cells' code editor, CodeMirror 6.

   live.js makes every live cell with a plain <textarea> first (it works at
   once, with any screen reader), then imports this module and, unless the
   reader chose the plain editor, puts a CodeMirror editor in its place.
   CodeMirror's packages are vendored from npm by setup/vendor.py into
   codemirror/ beside this file, their imports pointed at each other's
   files, so this one import() loads them all; if it fails, the textareas
   stay and work.

   What the editor adds to the textarea: Python highlighted in the book's
   palette (each token gets a class, tok-keyword and so on, coloured by
   book.css from micrograd/figures/palette.json's roles), matching
   brackets shown, Tab and Shift+Tab indent and dedent, Enter keeps the
   indentation and adds a level after a colon (and takes one away after
   return, pass, break, continue, raise), undo and redo; Shift+Enter (or
   Ctrl+Enter) runs the cell. Escape, then Tab, leaves the editor
   (CodeMirror's own rule): no keyboard trap.
*/
import {EditorSelection, EditorState} from './codemirror/codemirror-state.js';
import {EditorView, keymap} from './codemirror/codemirror-view.js';
import {
  bracketMatching, indentService, indentUnit, LRLanguage, syntaxHighlighting,
} from './codemirror/codemirror-language.js';
import {
  defaultKeymap, history, historyKeymap, indentLess, indentMore,
} from './codemirror/codemirror-commands.js';
import {classHighlighter} from './codemirror/lezer-highlight.js';
import {parser} from './codemirror/lezer-python.js';

const UNIT = 4;  // the book's indentation: four spaces
const python = LRLanguage.define({name: 'python', parser});
const ENDS_BLOCK = /^\s*(return|pass|break|continue|raise)\b/;

// The indentation of a new line at `pos`: the line above's, one level
// more after a colon, one less after a statement that ends its block.
function pythonIndent(context, pos) {
  const doc = context.state.doc;
  let line = doc.lineAt(pos);
  let text = line.text.slice(0, pos - line.from);
  if (!text.trim() && line.number > 1) {
    line = doc.line(line.number - 1);
    text = line.text;
  }
  const own = /^ */.exec(text)[0].length;
  const code = text.replace(/#.*$/, '').trimEnd();
  if (code.endsWith(':')) return own + UNIT;
  if (ENDS_BLOCK.test(code)) return Math.max(0, own - UNIT);
  return own;
}

// Tab: with nothing selected, spaces to the next level at the cursor (as
// the textarea did); with a selection, every selected line one level in.
function tab(view) {
  const {state} = view;
  if (state.selection.ranges.some((range) => !range.empty)) return indentMore(view);
  view.dispatch(state.changeByRange((range) => {
    const column = range.head - state.doc.lineAt(range.head).from;
    const spaces = ' '.repeat(UNIT - (column % UNIT));
    return {changes: {from: range.head, insert: spaces},
            range: EditorSelection.cursor(range.head + spaces.length)};
  }));
  return true;
}

/* A CodeMirror editor holding `code`: `label` names it for screen readers,
   `describedBy` is the id of its help; `run()` is called on Shift+Enter,
   `changed(code)` after every change. Returns {dom, value (get and set),
   focus(), destroy()}. The editable element carries data-live="editor",
   and its `value` is the code, as a textarea's. */
export function codeEditor({code, label, describedBy, run, changed}) {
  const runKeys = [
    {key: 'Shift-Enter', run: () => { run(); return true; }},
    {key: 'Mod-Enter', run: () => { run(); return true; }},
    {key: 'Tab', run: tab, shift: indentLess},
  ];
  const view = new EditorView({
    state: EditorState.create({
      doc: code,
      extensions: [
        history(),
        keymap.of([...runKeys, ...defaultKeymap, ...historyKeymap]),
        python,
        syntaxHighlighting(classHighlighter),
        bracketMatching(),
        indentUnit.of(' '.repeat(UNIT)),
        indentService.of(pythonIndent),
        EditorState.tabSize.of(UNIT),
        EditorView.contentAttributes.of({
          'data-live': 'editor', 'aria-label': label, 'aria-describedby': describedBy,
          spellcheck: 'false', autocapitalize: 'off', autocorrect: 'off',
        }),
        EditorView.editorAttributes.of({class: 'live-cm'}),
        EditorView.updateListener.of((update) => {
          if (update.docChanged) changed(update.state.doc.toString());
        }),
      ],
    }),
  });
  Object.defineProperty(view.contentDOM, 'value', {get: () => view.state.doc.toString()});
  return {
    dom: view.dom,
    get value() { return view.state.doc.toString(); },
    set value(text) {
      view.dispatch({changes: {from: 0, to: view.state.doc.length, insert: text}});
    },
    focus() { view.focus(); },
    destroy() { view.destroy(); },
  };
}
