import type { Codec, DecodeOptions } from 'protons-runtime';
import type { Uint8ArrayList } from 'uint8arraylist';
export interface Unpair {
    reason: string;
}
export declare namespace Unpair {
    const codec: () => Codec<Unpair>;
    interface UnpairReasonFieldEvent {
        field: '$.reason';
        value: string;
    }
    function encode(obj: Partial<Unpair>): Uint8Array<ArrayBuffer>;
    function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Unpair>): Unpair;
    function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Unpair>): Generator<UnpairReasonFieldEvent>;
}
export interface UnpairAck {
    ok: boolean;
    error?: WireError;
}
export declare namespace UnpairAck {
    const codec: () => Codec<UnpairAck>;
    interface UnpairAckOkFieldEvent {
        field: '$.ok';
        value: boolean;
    }
    interface UnpairAckErrorCodeFieldEvent {
        field: '$.error.code';
        value: string;
    }
    interface UnpairAckErrorMessageFieldEvent {
        field: '$.error.message';
        value: string;
    }
    function encode(obj: Partial<UnpairAck>): Uint8Array<ArrayBuffer>;
    function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<UnpairAck>): UnpairAck;
    function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<UnpairAck>): Generator<UnpairAckOkFieldEvent | UnpairAckErrorCodeFieldEvent | UnpairAckErrorMessageFieldEvent>;
}
export interface WireError {
    code: string;
    message: string;
}
export declare namespace WireError {
    const codec: () => Codec<WireError>;
    interface WireErrorCodeFieldEvent {
        field: '$.code';
        value: string;
    }
    interface WireErrorMessageFieldEvent {
        field: '$.message';
        value: string;
    }
    function encode(obj: Partial<WireError>): Uint8Array<ArrayBuffer>;
    function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<WireError>): WireError;
    function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<WireError>): Generator<WireErrorCodeFieldEvent | WireErrorMessageFieldEvent>;
}
export interface Refusal {
    error?: WireError;
}
export declare namespace Refusal {
    const codec: () => Codec<Refusal>;
    interface RefusalErrorCodeFieldEvent {
        field: '$.error.code';
        value: string;
    }
    interface RefusalErrorMessageFieldEvent {
        field: '$.error.message';
        value: string;
    }
    function encode(obj: Partial<Refusal>): Uint8Array<ArrayBuffer>;
    function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Refusal>): Refusal;
    function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Refusal>): Generator<RefusalErrorCodeFieldEvent | RefusalErrorMessageFieldEvent>;
}
