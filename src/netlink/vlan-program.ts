/**
 * The tc BPF programs of the VLAN-link stand-in (vlan-link.ts), as LLVM IR for `llc -march=bpf -filetype=obj`: no C
 * compiler is needed, only LLVM's code generator. Two programs, each in its own ELF section for `tc ... bpf da obj
 * FILE sec SECTION`:
 *
 * - `classifier/untag`, on the parent's ingress: a frame whose tag (kept by the kernel as metadata,
 *   `__sk_buff.vlan_present` / `vlan_tci`) carries the VLAN id loses the tag (helper 19, `bpf_skb_vlan_pop`) and is
 *   redirected into the VLAN link (helper 23, `bpf_redirect`, flag `BPF_F_INGRESS`); anything else goes on to the next
 *   filter (`TC_ACT_UNSPEC`).
 * - `classifier/tag`, on the ingress of the link's hidden veth peer (what the stack sends out of the VLAN link): the
 *   frame gets the tag (helper 18, `bpf_skb_vlan_push`, 802.1Q) and is redirected out of the parent.
 *
 * The `__sk_buff` prefix used here: len, pkt_type, mark, queue_mapping, protocol, vlan_present (field 5), vlan_tci
 * (field 6), vlan_proto. The helpers used are not GPL-only, so the license section carries the project's licence.
 *
 * @example
 * vlanProgramIr({ vlanId: 5, linkIndex: 12, parentIndex: 3 }); // IR text for llc
 */
import { NetlinkError } from './errors.js';

export interface VlanProgramConstants {
  readonly vlanId: number;
  /** ifindex of the VLAN link (where untagged frames are delivered). */
  readonly linkIndex: number;
  /** ifindex of the parent (where tagged frames leave). */
  readonly parentIndex: number;
}

/** `htons(ETH_P_8021Q)` as the helper takes it on a little-endian machine. */
const ETH_P_8021Q_BE = 0x0081;
const BPF_F_INGRESS = 1;
const LICENSE = 'Apache-2.0';

function checked(what: string, value: number, min: number, max: number): number {
  if (Number.isInteger(value) && value >= min && value <= max) return value;
  throw new NetlinkError('NETLINK_INVALID_ARGUMENT', `invalid ${what}: ${value}`, { what, value });
}

/** The IR of both programs with the constants in place. */
export function vlanProgramIr(constants: VlanProgramConstants): string {
  const vlan = checked('VLAN id', constants.vlanId, 1, 4094);
  const link = checked('ifindex', constants.linkIndex, 1, 0x7fffffff);
  const parent = checked('ifindex', constants.parentIndex, 1, 0x7fffffff);
  const licenseBytes = LICENSE.length + 1;
  return `target datalayout = "e-m:e-p:64:64-i64:64-i128:128-n32:64-S128"
target triple = "bpf"

%skb = type { i32, i32, i32, i32, i32, i32, i32, i32 }

@_license = dso_local global [${licenseBytes} x i8] c"${LICENSE}\\00", section "license", align 1
@llvm.used = appending global [3 x i8*] [i8* getelementptr inbounds ([${licenseBytes} x i8], [${licenseBytes} x i8]* @_license, i32 0, i32 0), i8* bitcast (i32 (%skb*)* @untag to i8*), i8* bitcast (i32 (%skb*)* @tag to i8*)], section "llvm.metadata"

define dso_local i32 @untag(%skb* %s) #0 section "classifier/untag" {
entry:
  %present.p = getelementptr inbounds %skb, %skb* %s, i32 0, i32 5
  %present = load i32, i32* %present.p, align 4
  %tagged = icmp ne i32 %present, 0
  br i1 %tagged, label %check, label %pass
check:
  %tci.p = getelementptr inbounds %skb, %skb* %s, i32 0, i32 6
  %tci = load i32, i32* %tci.p, align 4
  %vid = and i32 %tci, 4095
  %ours = icmp eq i32 %vid, ${vlan}
  br i1 %ours, label %deliver, label %pass
deliver:
  %popped = call i64 inttoptr (i64 19 to i64 (%skb*)*)(%skb* %s)
  %to = call i64 inttoptr (i64 23 to i64 (i64, i64)*)(i64 ${link}, i64 ${BPF_F_INGRESS})
  %verdict = trunc i64 %to to i32
  ret i32 %verdict
pass:
  ret i32 -1
}

define dso_local i32 @tag(%skb* %s) #0 section "classifier/tag" {
entry:
  %pushed = call i64 inttoptr (i64 18 to i64 (%skb*, i64, i64)*)(%skb* %s, i64 ${ETH_P_8021Q_BE}, i64 ${vlan})
  %to = call i64 inttoptr (i64 23 to i64 (i64, i64)*)(i64 ${parent}, i64 0)
  %verdict = trunc i64 %to to i32
  ret i32 %verdict
}

attributes #0 = { nounwind }
`;
}
