/**
 * Just enough XML to read the TwiML the service answers with. Strict where Twilio is strict: a
 * document that is not well-formed, or whose root is not <Response>, is what Twilio reports as
 * error 12100 ("Document parse failure"), and the simulator reports it the same way.
 */

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
}
export type XmlNode = XmlElement | string;

export class TwimlParseError extends Error {
  override name = 'TwimlParseError';
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (whole, ref: string) => {
    if (ref.startsWith('#x')) return String.fromCodePoint(Number.parseInt(ref.slice(2), 16));
    if (ref.startsWith('#')) return String.fromCodePoint(Number.parseInt(ref.slice(1), 10));
    const named = ENTITIES[ref];
    if (named === undefined) throw new TwimlParseError(`unknown entity ${whole}`);
    return named;
  });
}

const NAME = /^[A-Za-z_][\w.-]*/;
const ATTR = /^\s+([A-Za-z_][\w.:-]*)\s*=\s*("([^"]*)"|'([^']*)')/;

/** Parses an XML document into its root element. Throws TwimlParseError when it is not well-formed. */
export function parseXml(text: string): XmlElement {
  let i = 0;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  const append = (node: XmlNode) => {
    const parent = stack[stack.length - 1];
    if (parent) parent.children.push(node);
    else if (typeof node === 'string') {
      if (node.trim() !== '') throw new TwimlParseError('text outside the root element');
    } else if (root) throw new TwimlParseError('more than one root element');
  };
  while (i < text.length) {
    const lt = text.indexOf('<', i);
    if (lt === -1) {
      append(decodeEntities(text.slice(i)));
      break;
    }
    if (lt > i) append(decodeEntities(text.slice(i, lt)));
    if (text.startsWith('<?', lt)) {
      const end = text.indexOf('?>', lt);
      if (end === -1) throw new TwimlParseError('unterminated processing instruction');
      i = end + 2;
    } else if (text.startsWith('<!--', lt)) {
      const end = text.indexOf('-->', lt);
      if (end === -1) throw new TwimlParseError('unterminated comment');
      i = end + 3;
    } else if (text.startsWith('<![CDATA[', lt)) {
      const end = text.indexOf(']]>', lt);
      if (end === -1) throw new TwimlParseError('unterminated CDATA');
      append(text.slice(lt + 9, end));
      i = end + 3;
    } else if (text.startsWith('<!', lt)) {
      const end = text.indexOf('>', lt);
      if (end === -1) throw new TwimlParseError('unterminated declaration');
      i = end + 1;
    } else if (text.startsWith('</', lt)) {
      const m = NAME.exec(text.slice(lt + 2));
      const end = text.indexOf('>', lt);
      if (!m || end === -1) throw new TwimlParseError('malformed end tag');
      const open = stack.pop();
      if (!open || open.name !== m[0]) throw new TwimlParseError(`unexpected </${m[0]}>`);
      i = end + 1;
    } else {
      let rest = text.slice(lt + 1);
      const m = NAME.exec(rest);
      if (!m) throw new TwimlParseError('malformed start tag');
      const el: XmlElement = { name: m[0], attrs: {}, children: [] };
      rest = rest.slice(m[0].length);
      let consumed = lt + 1 + m[0].length;
      for (let a = ATTR.exec(rest); a; a = ATTR.exec(rest)) {
        el.attrs[a[1]!] = decodeEntities(a[3] ?? a[4] ?? '');
        rest = rest.slice(a[0].length);
        consumed += a[0].length;
      }
      const close = /^\s*(\/?)>/.exec(rest);
      if (!close) throw new TwimlParseError(`malformed tag <${el.name}>`);
      consumed += close[0].length;
      append(el);
      if (!stack.length && !root) root = el;
      if (close[1] !== '/') stack.push(el);
      i = consumed;
    }
  }
  if (stack.length) throw new TwimlParseError(`unclosed <${stack[stack.length - 1]!.name}>`);
  if (!root) throw new TwimlParseError('empty document');
  return root;
}

/** The text inside an element (its descendants' text, in order). */
export function textOf(el: XmlElement): string {
  return el.children.map((c) => (typeof c === 'string' ? c : textOf(c))).join('');
}

/** The child elements of `el`. */
export function elementsOf(el: XmlElement): XmlElement[] {
  return el.children.filter((c): c is XmlElement => typeof c !== 'string');
}

/** Parses a TwiML document: a well-formed XML document whose root is <Response>. */
export function parseTwiml(text: string): XmlElement {
  const root = parseXml(text);
  if (root.name !== 'Response') throw new TwimlParseError(`root element is <${root.name}>, not <Response>`);
  return root;
}

/** A <Message> of a messaging TwiML reply. */
export interface TwimlMessage {
  body: string;
  to?: string;
  from?: string;
  statusCallback?: string;
  media: string[];
}

/** The <Message> verbs of a messaging TwiML reply; their text is the <Body> child if present, else their own text. */
export function twimlMessages(root: XmlElement): TwimlMessage[] {
  return elementsOf(root)
    .filter((el) => el.name === 'Message')
    .map((el) => {
      const kids = elementsOf(el);
      const bodyEl = kids.find((k) => k.name === 'Body');
      const text = bodyEl ? textOf(bodyEl) : el.children.filter((c) => typeof c === 'string').join('');
      const msg: TwimlMessage = {
        body: text.trim(),
        media: kids.filter((k) => k.name === 'Media').map((k) => textOf(k).trim()),
      };
      if (el.attrs.to) msg.to = el.attrs.to;
      if (el.attrs.from) msg.from = el.attrs.from;
      const cb = el.attrs.statusCallback ?? el.attrs.action;
      if (cb) msg.statusCallback = cb;
      return msg;
    });
}
