/**
 * EC2 XML responses. A handler returns a plain object keyed by EC2's `locationName`s (lowerCamel: `subnetSet`,
 * `networkInterfaceId`, ...); arrays become `<name><item>...</item></name>` (an empty array `<name/>`), `undefined`
 * members are omitted, Dates are ISO 8601 with milliseconds. Text is escaped here (including CR, see below).
 *
 * @example
 * successXml('DescribeVpcs', 'req-1', { vpcSet: [{ vpcId: 'vpc-1' }] });
 * // <?xml ...?><DescribeVpcsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>req-1</requestId>
 * //   <vpcSet><item><vpcId>vpc-1</vpcId></item></vpcSet></DescribeVpcsResponse>
 */
import { XMLBuilder } from 'fast-xml-parser';

export type XmlValue = string | number | boolean | Date | undefined | readonly XmlValue[] | XmlObject;
export interface XmlObject {
  readonly [key: string]: XmlValue;
}

export const EC2_NAMESPACE = 'http://ec2.amazonaws.com/doc/2016-11-15/';

// Text is escaped here rather than by the builder, because a CR must be written as a character reference: an XML
// parser turns a literal CR into LF, so a tag value with `\r` would not come back as it was stored.
const builder = new XMLBuilder({ ignoreAttributes: false, suppressEmptyNode: true, processEntities: false });
const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  '\r': '&#x0D;',
};

function escapeText(text: string): string {
  return text.replace(/[&<>"'\r]/g, (ch) => ESCAPES[ch] ?? ch);
}
const DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

function shape(value: XmlValue): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.length === 0 ? '' : { item: value.map((v: XmlValue) => shape(v)) };
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, member] of Object.entries(value as XmlObject)) {
      if (member !== undefined) out[key] = shape(member);
    }
    return out;
  }
  return typeof value === 'string' ? escapeText(value) : value;
}

export function successXml(action: string, requestId: string, body: XmlObject): string {
  const root = {
    '@_xmlns': EC2_NAMESPACE,
    requestId: escapeText(requestId),
    ...(shape(body) as Record<string, unknown>),
  };
  return DECLARATION + builder.build({ [`${action}Response`]: root });
}

/** EC2's error envelope: no namespace, `RequestID` with a capital ID (unlike success bodies). */
export function errorXml(code: string, message: string, requestId: string): string {
  return (
    DECLARATION +
    builder.build({
      Response: { Errors: { Error: { Code: escapeText(code), Message: escapeText(message) } }, RequestID: requestId },
    })
  );
}
