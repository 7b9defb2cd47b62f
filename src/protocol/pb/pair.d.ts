import type { Codec, DecodeOptions } from 'protons-runtime';
import type { Uint8ArrayList } from 'uint8arraylist';
export interface PairOpen {
    nameplate: number;
    nonce: Uint8Array<ArrayBuffer>;
    version: string;
}
export declare namespace PairOpen {
    const codec: () => Codec<PairOpen>;
    interface PairOpenNameplateFieldEvent {
        field: '$.nameplate';
        value: number;
    }
    interface PairOpenNonceFieldEvent {
        field: '$.nonce';
        value: Uint8Array<ArrayBuffer>;
    }
    interface PairOpenVersionFieldEvent {
        field: '$.version';
        value: string;
    }
    function encode(obj: Partial<PairOpen>): Uint8Array<ArrayBuffer>;
    function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PairOpen>): PairOpen;
    function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PairOpen>): Generator<PairOpenNameplateFieldEvent | PairOpenNonceFieldEvent | PairOpenVersionFieldEvent>;
}
export interface PairNonce {
    nonce: Uint8Array<ArrayBuffer>;
    error?: WireError;
}
export declare namespace PairNonce {
    const codec: () => Codec<PairNonce>;
    interface PairNonceNonceFieldEvent {
        field: '$.nonce';
        value: Uint8Array<ArrayBuffer>;
    }
    interface PairNonceErrorCodeFieldEvent {
        field: '$.error.code';
        value: string;
    }
    interface PairNonceErrorMessageFieldEvent {
        field: '$.error.message';
        value: string;
    }
    function encode(obj: Partial<PairNonce>): Uint8Array<ArrayBuffer>;
    function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PairNonce>): PairNonce;
    function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PairNonce>): Generator<PairNonceNonceFieldEvent | PairNonceErrorCodeFieldEvent | PairNonceErrorMessageFieldEvent>;
}
export interface PairKey {
    y: Uint8Array<ArrayBuffer>;
    name: string;
    tag: Uint8Array<ArrayBuffer>;
    error?: WireError;
}
export declare namespace PairKey {
    const codec: () => Codec<PairKey>;
    interface PairKeyYFieldEvent {
        field: '$.y';
        value: Uint8Array<ArrayBuffer>;
    }
    interface PairKeyNameFieldEvent {
        field: '$.name';
        value: string;
    }
    interface PairKeyTagFieldEvent {
        field: '$.tag';
        value: Uint8Array<ArrayBuffer>;
    }
    interface PairKeyErrorCodeFieldEvent {
        field: '$.error.code';
        value: string;
    }
    interface PairKeyErrorMessageFieldEvent {
        field: '$.error.message';
        value: string;
    }
    function encode(obj: Partial<PairKey>): Uint8Array<ArrayBuffer>;
    function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PairKey>): PairKey;
    function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PairKey>): Generator<PairKeyYFieldEvent | PairKeyNameFieldEvent | PairKeyTagFieldEvent | PairKeyErrorCodeFieldEvent | PairKeyErrorMessageFieldEvent>;
}
export interface PairFinish {
    tag: Uint8Array<ArrayBuffer>;
    error?: WireError;
}
export declare namespace PairFinish {
    const codec: () => Codec<PairFinish>;
    interface PairFinishTagFieldEvent {
        field: '$.tag';
        value: Uint8Array<ArrayBuffer>;
    }
    interface PairFinishErrorCodeFieldEvent {
        field: '$.error.code';
        value: string;
    }
    interface PairFinishErrorMessageFieldEvent {
        field: '$.error.message';
        value: string;
    }
    function encode(obj: Partial<PairFinish>): Uint8Array<ArrayBuffer>;
    function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PairFinish>): PairFinish;
    function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PairFinish>): Generator<PairFinishTagFieldEvent | PairFinishErrorCodeFieldEvent | PairFinishErrorMessageFieldEvent>;
}
export interface PairResult {
    ok: boolean;
    error?: WireError;
}
export declare namespace PairResult {
    const codec: () => Codec<PairResult>;
    interface PairResultOkFieldEvent {
        field: '$.ok';
        value: boolean;
    }
    interface PairResultErrorCodeFieldEvent {
        field: '$.error.code';
        value: string;
    }
    interface PairResultErrorMessageFieldEvent {
        field: '$.error.message';
        value: string;
    }
    function encode(obj: Partial<PairResult>): Uint8Array<ArrayBuffer>;
    function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PairResult>): PairResult;
    function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PairResult>): Generator<PairResultOkFieldEvent | PairResultErrorCodeFieldEvent | PairResultErrorMessageFieldEvent>;
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
