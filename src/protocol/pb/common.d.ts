import type { Codec, DecodeOptions } from 'protons-runtime';
import type { Uint8ArrayList } from 'uint8arraylist';
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
