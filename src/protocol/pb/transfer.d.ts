import type { Codec, DecodeOptions } from 'protons-runtime';
import type { Uint8ArrayList } from 'uint8arraylist';
export interface FileEntry {
    path: string;
    dir: boolean;
    size: number;
    mtimeMs: number;
    mode: number;
    chunkSize: number;
    chunkHashes: Uint8Array<ArrayBuffer>;
    fileRoot: Uint8Array<ArrayBuffer>;
    mtimeSubMsNs: number;
}
export declare namespace FileEntry {
    const codec: () => Codec<FileEntry>;
    interface FileEntryPathFieldEvent {
        field: '$.path';
        value: string;
    }
    interface FileEntryDirFieldEvent {
        field: '$.dir';
        value: boolean;
    }
    interface FileEntrySizeFieldEvent {
        field: '$.size';
        value: number;
    }
    interface FileEntryMtimeMsFieldEvent {
        field: '$.mtimeMs';
        value: number;
    }
    interface FileEntryModeFieldEvent {
        field: '$.mode';
        value: number;
    }
    interface FileEntryChunkSizeFieldEvent {
        field: '$.chunkSize';
        value: number;
    }
    interface FileEntryChunkHashesFieldEvent {
        field: '$.chunkHashes';
        value: Uint8Array<ArrayBuffer>;
    }
    interface FileEntryFileRootFieldEvent {
        field: '$.fileRoot';
        value: Uint8Array<ArrayBuffer>;
    }
    interface FileEntryMtimeSubMsNsFieldEvent {
        field: '$.mtimeSubMsNs';
        value: number;
    }
    function encode(obj: Partial<FileEntry>): Uint8Array<ArrayBuffer>;
    function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FileEntry>): FileEntry;
    function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FileEntry>): Generator<FileEntryPathFieldEvent | FileEntryDirFieldEvent | FileEntrySizeFieldEvent | FileEntryMtimeMsFieldEvent | FileEntryModeFieldEvent | FileEntryChunkSizeFieldEvent | FileEntryChunkHashesFieldEvent | FileEntryFileRootFieldEvent | FileEntryMtimeSubMsNsFieldEvent>;
}
export interface Offer {
    transferId: Uint8Array<ArrayBuffer>;
    root: Uint8Array<ArrayBuffer>;
    totalBytes: number;
    files: FileEntry[];
}
export declare namespace Offer {
    const codec: () => Codec<Offer>;
    interface OfferTransferIdFieldEvent {
        field: '$.transferId';
        value: Uint8Array<ArrayBuffer>;
    }
    interface OfferRootFieldEvent {
        field: '$.root';
        value: Uint8Array<ArrayBuffer>;
    }
    interface OfferTotalBytesFieldEvent {
        field: '$.totalBytes';
        value: number;
    }
    interface OfferFilesPathFieldEvent {
        field: '$.files[].path';
        value: string;
        index: number;
    }
    interface OfferFilesDirFieldEvent {
        field: '$.files[].dir';
        value: boolean;
        index: number;
    }
    interface OfferFilesSizeFieldEvent {
        field: '$.files[].size';
        value: number;
        index: number;
    }
    interface OfferFilesMtimeMsFieldEvent {
        field: '$.files[].mtimeMs';
        value: number;
        index: number;
    }
    interface OfferFilesModeFieldEvent {
        field: '$.files[].mode';
        value: number;
        index: number;
    }
    interface OfferFilesChunkSizeFieldEvent {
        field: '$.files[].chunkSize';
        value: number;
        index: number;
    }
    interface OfferFilesChunkHashesFieldEvent {
        field: '$.files[].chunkHashes';
        value: Uint8Array<ArrayBuffer>;
        index: number;
    }
    interface OfferFilesFileRootFieldEvent {
        field: '$.files[].fileRoot';
        value: Uint8Array<ArrayBuffer>;
        index: number;
    }
    interface OfferFilesMtimeSubMsNsFieldEvent {
        field: '$.files[].mtimeSubMsNs';
        value: number;
        index: number;
    }
    function encode(obj: Partial<Offer>): Uint8Array<ArrayBuffer>;
    function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Offer>): Offer;
    function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Offer>): Generator<OfferTransferIdFieldEvent | OfferRootFieldEvent | OfferTotalBytesFieldEvent | OfferFilesPathFieldEvent | OfferFilesDirFieldEvent | OfferFilesSizeFieldEvent | OfferFilesMtimeMsFieldEvent | OfferFilesModeFieldEvent | OfferFilesChunkSizeFieldEvent | OfferFilesChunkHashesFieldEvent | OfferFilesFileRootFieldEvent | OfferFilesMtimeSubMsNsFieldEvent>;
}
export interface OfferAnswer {
    status: string;
    haveBytes: number;
    waitsTurn: boolean;
    retryInMs: number;
    waitsFor?: WireError;
    keptFiles?: number;
    acceptWaitMs?: number;
    error?: WireError;
}
export declare namespace OfferAnswer {
    const codec: () => Codec<OfferAnswer>;
    interface OfferAnswerStatusFieldEvent {
        field: '$.status';
        value: string;
    }
    interface OfferAnswerHaveBytesFieldEvent {
        field: '$.haveBytes';
        value: number;
    }
    interface OfferAnswerWaitsTurnFieldEvent {
        field: '$.waitsTurn';
        value: boolean;
    }
    interface OfferAnswerRetryInMsFieldEvent {
        field: '$.retryInMs';
        value: number;
    }
    interface OfferAnswerWaitsForCodeFieldEvent {
        field: '$.waitsFor.code';
        value: string;
    }
    interface OfferAnswerWaitsForMessageFieldEvent {
        field: '$.waitsFor.message';
        value: string;
    }
    interface OfferAnswerKeptFilesFieldEvent {
        field: '$.keptFiles';
        value: number;
    }
    interface OfferAnswerAcceptWaitMsFieldEvent {
        field: '$.acceptWaitMs';
        value: number;
    }
    interface OfferAnswerErrorCodeFieldEvent {
        field: '$.error.code';
        value: string;
    }
    interface OfferAnswerErrorMessageFieldEvent {
        field: '$.error.message';
        value: string;
    }
    function encode(obj: Partial<OfferAnswer>): Uint8Array<ArrayBuffer>;
    function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<OfferAnswer>): OfferAnswer;
    function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<OfferAnswer>): Generator<OfferAnswerStatusFieldEvent | OfferAnswerHaveBytesFieldEvent | OfferAnswerWaitsTurnFieldEvent | OfferAnswerRetryInMsFieldEvent | OfferAnswerWaitsForCodeFieldEvent | OfferAnswerWaitsForMessageFieldEvent | OfferAnswerKeptFilesFieldEvent | OfferAnswerAcceptWaitMsFieldEvent | OfferAnswerErrorCodeFieldEvent | OfferAnswerErrorMessageFieldEvent>;
}
export interface ChunkRequest {
    transferId: Uint8Array<ArrayBuffer>;
    fileIndex: number;
    chunks: number[];
    firstOffset: number;
    firstLength: number;
    heldBytes: number;
    fileHeldBytes: number;
    waitsTurn: boolean;
    waitsFor?: WireError;
    runs: boolean;
    heldFiles: number;
}
export declare namespace ChunkRequest {
    const codec: () => Codec<ChunkRequest>;
    interface ChunkRequestTransferIdFieldEvent {
        field: '$.transferId';
        value: Uint8Array<ArrayBuffer>;
    }
    interface ChunkRequestFileIndexFieldEvent {
        field: '$.fileIndex';
        value: number;
    }
    interface ChunkRequestChunksFieldEvent {
        field: '$.chunks[]';
        index: number;
        value: number;
    }
    interface ChunkRequestFirstOffsetFieldEvent {
        field: '$.firstOffset';
        value: number;
    }
    interface ChunkRequestFirstLengthFieldEvent {
        field: '$.firstLength';
        value: number;
    }
    interface ChunkRequestHeldBytesFieldEvent {
        field: '$.heldBytes';
        value: number;
    }
    interface ChunkRequestFileHeldBytesFieldEvent {
        field: '$.fileHeldBytes';
        value: number;
    }
    interface ChunkRequestWaitsTurnFieldEvent {
        field: '$.waitsTurn';
        value: boolean;
    }
    interface ChunkRequestWaitsForCodeFieldEvent {
        field: '$.waitsFor.code';
        value: string;
    }
    interface ChunkRequestWaitsForMessageFieldEvent {
        field: '$.waitsFor.message';
        value: string;
    }
    interface ChunkRequestRunsFieldEvent {
        field: '$.runs';
        value: boolean;
    }
    interface ChunkRequestHeldFilesFieldEvent {
        field: '$.heldFiles';
        value: number;
    }
    function encode(obj: Partial<ChunkRequest>): Uint8Array<ArrayBuffer>;
    function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ChunkRequest>): ChunkRequest;
    function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ChunkRequest>): Generator<ChunkRequestTransferIdFieldEvent | ChunkRequestFileIndexFieldEvent | ChunkRequestChunksFieldEvent | ChunkRequestFirstOffsetFieldEvent | ChunkRequestFirstLengthFieldEvent | ChunkRequestHeldBytesFieldEvent | ChunkRequestFileHeldBytesFieldEvent | ChunkRequestWaitsTurnFieldEvent | ChunkRequestWaitsForCodeFieldEvent | ChunkRequestWaitsForMessageFieldEvent | ChunkRequestRunsFieldEvent | ChunkRequestHeldFilesFieldEvent>;
}
export interface ChunkHeader {
    fileIndex: number;
    chunk: number;
    length: number;
    offset: number;
    notServed: number;
    error?: WireError;
}
export declare namespace ChunkHeader {
    const codec: () => Codec<ChunkHeader>;
    interface ChunkHeaderFileIndexFieldEvent {
        field: '$.fileIndex';
        value: number;
    }
    interface ChunkHeaderChunkFieldEvent {
        field: '$.chunk';
        value: number;
    }
    interface ChunkHeaderLengthFieldEvent {
        field: '$.length';
        value: number;
    }
    interface ChunkHeaderOffsetFieldEvent {
        field: '$.offset';
        value: number;
    }
    interface ChunkHeaderNotServedFieldEvent {
        field: '$.notServed';
        value: number;
    }
    interface ChunkHeaderErrorCodeFieldEvent {
        field: '$.error.code';
        value: string;
    }
    interface ChunkHeaderErrorMessageFieldEvent {
        field: '$.error.message';
        value: string;
    }
    function encode(obj: Partial<ChunkHeader>): Uint8Array<ArrayBuffer>;
    function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ChunkHeader>): ChunkHeader;
    function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ChunkHeader>): Generator<ChunkHeaderFileIndexFieldEvent | ChunkHeaderChunkFieldEvent | ChunkHeaderLengthFieldEvent | ChunkHeaderOffsetFieldEvent | ChunkHeaderNotServedFieldEvent | ChunkHeaderErrorCodeFieldEvent | ChunkHeaderErrorMessageFieldEvent>;
}
export interface TransferEnd {
    transferId: Uint8Array<ArrayBuffer>;
    status: string;
    root: Uint8Array<ArrayBuffer>;
    signature: Uint8Array<ArrayBuffer>;
    failure?: WireError;
    wireBytes: number;
    missing: Uint8Array<ArrayBuffer>;
    doneBytes?: number;
    renamedCount: number;
    renamed: Renamed[];
    refused: Refused[];
    renames: Renamed[];
    renameCount: number;
    keptFiles?: number;
}
export declare namespace TransferEnd {
    const codec: () => Codec<TransferEnd>;
    interface TransferEndTransferIdFieldEvent {
        field: '$.transferId';
        value: Uint8Array<ArrayBuffer>;
    }
    interface TransferEndStatusFieldEvent {
        field: '$.status';
        value: string;
    }
    interface TransferEndRootFieldEvent {
        field: '$.root';
        value: Uint8Array<ArrayBuffer>;
    }
    interface TransferEndSignatureFieldEvent {
        field: '$.signature';
        value: Uint8Array<ArrayBuffer>;
    }
    interface TransferEndFailureCodeFieldEvent {
        field: '$.failure.code';
        value: string;
    }
    interface TransferEndFailureMessageFieldEvent {
        field: '$.failure.message';
        value: string;
    }
    interface TransferEndWireBytesFieldEvent {
        field: '$.wireBytes';
        value: number;
    }
    interface TransferEndMissingFieldEvent {
        field: '$.missing';
        value: Uint8Array<ArrayBuffer>;
    }
    interface TransferEndDoneBytesFieldEvent {
        field: '$.doneBytes';
        value: number;
    }
    interface TransferEndRenamedCountFieldEvent {
        field: '$.renamedCount';
        value: number;
    }
    interface TransferEndRenamedEntryFieldEvent {
        field: '$.renamed[].entry';
        value: number;
        index: number;
    }
    interface TransferEndRenamedAsFieldEvent {
        field: '$.renamed[].as';
        value: string;
        index: number;
    }
    interface TransferEndRenamedFilesFieldEvent {
        field: '$.renamed[].files';
        value: number;
        index: number;
    }
    interface TransferEndRefusedEntryFieldEvent {
        field: '$.refused[].entry';
        value: number;
        index: number;
    }
    interface TransferEndRefusedReasonFieldEvent {
        field: '$.refused[].reason';
        value: string;
        index: number;
    }
    interface TransferEndRefusedUnderFieldEvent {
        field: '$.refused[].under';
        value: string;
        index: number;
    }
    interface TransferEndRefusedCodeFieldEvent {
        field: '$.refused[].code';
        value: string;
        index: number;
    }
    interface TransferEndRenamesEntryFieldEvent {
        field: '$.renames[].entry';
        value: number;
        index: number;
    }
    interface TransferEndRenamesAsFieldEvent {
        field: '$.renames[].as';
        value: string;
        index: number;
    }
    interface TransferEndRenamesFilesFieldEvent {
        field: '$.renames[].files';
        value: number;
        index: number;
    }
    interface TransferEndRenameCountFieldEvent {
        field: '$.renameCount';
        value: number;
    }
    interface TransferEndKeptFilesFieldEvent {
        field: '$.keptFiles';
        value: number;
    }
    function encode(obj: Partial<TransferEnd>): Uint8Array<ArrayBuffer>;
    function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<TransferEnd>): TransferEnd;
    function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<TransferEnd>): Generator<TransferEndTransferIdFieldEvent | TransferEndStatusFieldEvent | TransferEndRootFieldEvent | TransferEndSignatureFieldEvent | TransferEndFailureCodeFieldEvent | TransferEndFailureMessageFieldEvent | TransferEndWireBytesFieldEvent | TransferEndMissingFieldEvent | TransferEndDoneBytesFieldEvent | TransferEndRenamedCountFieldEvent | TransferEndRenamedEntryFieldEvent | TransferEndRenamedAsFieldEvent | TransferEndRenamedFilesFieldEvent | TransferEndRefusedEntryFieldEvent | TransferEndRefusedReasonFieldEvent | TransferEndRefusedUnderFieldEvent | TransferEndRefusedCodeFieldEvent | TransferEndRenamesEntryFieldEvent | TransferEndRenamesAsFieldEvent | TransferEndRenamesFilesFieldEvent | TransferEndRenameCountFieldEvent | TransferEndKeptFilesFieldEvent>;
}
export interface Refused {
    entry: number;
    reason: string;
    under: string;
    code: string;
}
export declare namespace Refused {
    const codec: () => Codec<Refused>;
    interface RefusedEntryFieldEvent {
        field: '$.entry';
        value: number;
    }
    interface RefusedReasonFieldEvent {
        field: '$.reason';
        value: string;
    }
    interface RefusedUnderFieldEvent {
        field: '$.under';
        value: string;
    }
    interface RefusedCodeFieldEvent {
        field: '$.code';
        value: string;
    }
    function encode(obj: Partial<Refused>): Uint8Array<ArrayBuffer>;
    function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Refused>): Refused;
    function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Refused>): Generator<RefusedEntryFieldEvent | RefusedReasonFieldEvent | RefusedUnderFieldEvent | RefusedCodeFieldEvent>;
}
export interface Renamed {
    entry: number;
    as: string;
    files: number;
}
export declare namespace Renamed {
    const codec: () => Codec<Renamed>;
    interface RenamedEntryFieldEvent {
        field: '$.entry';
        value: number;
    }
    interface RenamedAsFieldEvent {
        field: '$.as';
        value: string;
    }
    interface RenamedFilesFieldEvent {
        field: '$.files';
        value: number;
    }
    function encode(obj: Partial<Renamed>): Uint8Array<ArrayBuffer>;
    function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Renamed>): Renamed;
    function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Renamed>): Generator<RenamedEntryFieldEvent | RenamedAsFieldEvent | RenamedFilesFieldEvent>;
}
export interface TransferEndAck {
    ok: boolean;
    error?: WireError;
    keptFiles: number;
}
export declare namespace TransferEndAck {
    const codec: () => Codec<TransferEndAck>;
    interface TransferEndAckOkFieldEvent {
        field: '$.ok';
        value: boolean;
    }
    interface TransferEndAckErrorCodeFieldEvent {
        field: '$.error.code';
        value: string;
    }
    interface TransferEndAckErrorMessageFieldEvent {
        field: '$.error.message';
        value: string;
    }
    interface TransferEndAckKeptFilesFieldEvent {
        field: '$.keptFiles';
        value: number;
    }
    function encode(obj: Partial<TransferEndAck>): Uint8Array<ArrayBuffer>;
    function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<TransferEndAck>): TransferEndAck;
    function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<TransferEndAck>): Generator<TransferEndAckOkFieldEvent | TransferEndAckErrorCodeFieldEvent | TransferEndAckErrorMessageFieldEvent | TransferEndAckKeptFilesFieldEvent>;
}
export interface HashPart {
    fileIndex: number;
    firstChunk: number;
    hashes: Uint8Array<ArrayBuffer>;
}
export declare namespace HashPart {
    const codec: () => Codec<HashPart>;
    interface HashPartFileIndexFieldEvent {
        field: '$.fileIndex';
        value: number;
    }
    interface HashPartFirstChunkFieldEvent {
        field: '$.firstChunk';
        value: number;
    }
    interface HashPartHashesFieldEvent {
        field: '$.hashes';
        value: Uint8Array<ArrayBuffer>;
    }
    function encode(obj: Partial<HashPart>): Uint8Array<ArrayBuffer>;
    function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<HashPart>): HashPart;
    function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<HashPart>): Generator<HashPartFileIndexFieldEvent | HashPartFirstChunkFieldEvent | HashPartHashesFieldEvent>;
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
