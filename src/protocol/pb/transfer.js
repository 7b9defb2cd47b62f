import { decodeMessage, encodeMessage, MaxLengthError, message, streamMessage } from 'protons-runtime';
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc';
export var FileEntry;
(function (FileEntry) {
    let _codec;
    FileEntry.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if ((obj.path != null && obj.path !== '')) {
                    w.uint32(10);
                    w.string(obj.path);
                }
                if ((obj.dir != null && obj.dir !== false)) {
                    w.uint32(16);
                    w.bool(obj.dir);
                }
                if ((obj.size != null && obj.size !== 0)) {
                    w.uint32(24);
                    w.uint64Number(obj.size);
                }
                if ((obj.mtimeMs != null && obj.mtimeMs !== 0)) {
                    w.uint32(32);
                    w.sint64Number(obj.mtimeMs);
                }
                if ((obj.mode != null && obj.mode !== 0)) {
                    w.uint32(40);
                    w.uint32(obj.mode);
                }
                if ((obj.chunkSize != null && obj.chunkSize !== 0)) {
                    w.uint32(48);
                    w.uint32(obj.chunkSize);
                }
                if ((obj.chunkHashes != null && obj.chunkHashes.byteLength > 0)) {
                    w.uint32(58);
                    w.bytes(obj.chunkHashes);
                }
                if ((obj.fileRoot != null && obj.fileRoot.byteLength > 0)) {
                    w.uint32(66);
                    w.bytes(obj.fileRoot);
                }
                if ((obj.mtimeSubMsNs != null && obj.mtimeSubMsNs !== 0)) {
                    w.uint32(72);
                    w.uint32(obj.mtimeSubMsNs);
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    path: '',
                    dir: false,
                    size: 0,
                    mtimeMs: 0,
                    mode: 0,
                    chunkSize: 0,
                    chunkHashes: uint8ArrayAlloc(0),
                    fileRoot: uint8ArrayAlloc(0),
                    mtimeSubMsNs: 0
                };
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            obj.path = reader.string();
                            break;
                        }
                        case 2: {
                            obj.dir = reader.bool();
                            break;
                        }
                        case 3: {
                            obj.size = reader.uint64Number();
                            break;
                        }
                        case 4: {
                            obj.mtimeMs = reader.sint64Number();
                            break;
                        }
                        case 5: {
                            obj.mode = reader.uint32();
                            break;
                        }
                        case 6: {
                            obj.chunkSize = reader.uint32();
                            break;
                        }
                        case 7: {
                            obj.chunkHashes = reader.bytes();
                            break;
                        }
                        case 8: {
                            obj.fileRoot = reader.bytes();
                            break;
                        }
                        case 9: {
                            obj.mtimeSubMsNs = reader.uint32();
                            break;
                        }
                        default: {
                            reader.skipType(tag & 7);
                            break;
                        }
                    }
                }
                return obj;
            }, function* (reader, length, prefix, opts = {}) {
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            yield {
                                field: `${prefix}.path`,
                                value: reader.string()
                            };
                            break;
                        }
                        case 2: {
                            yield {
                                field: `${prefix}.dir`,
                                value: reader.bool()
                            };
                            break;
                        }
                        case 3: {
                            yield {
                                field: `${prefix}.size`,
                                value: reader.uint64Number()
                            };
                            break;
                        }
                        case 4: {
                            yield {
                                field: `${prefix}.mtimeMs`,
                                value: reader.sint64Number()
                            };
                            break;
                        }
                        case 5: {
                            yield {
                                field: `${prefix}.mode`,
                                value: reader.uint32()
                            };
                            break;
                        }
                        case 6: {
                            yield {
                                field: `${prefix}.chunkSize`,
                                value: reader.uint32()
                            };
                            break;
                        }
                        case 7: {
                            yield {
                                field: `${prefix}.chunkHashes`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 8: {
                            yield {
                                field: `${prefix}.fileRoot`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 9: {
                            yield {
                                field: `${prefix}.mtimeSubMsNs`,
                                value: reader.uint32()
                            };
                            break;
                        }
                        default: {
                            reader.skipType(tag & 7);
                            break;
                        }
                    }
                }
            });
        }
        return _codec;
    };
    function encode(obj) {
        return encodeMessage(obj, FileEntry.codec());
    }
    FileEntry.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, FileEntry.codec(), opts);
    }
    FileEntry.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, FileEntry.codec(), opts);
    }
    FileEntry.stream = stream;
})(FileEntry || (FileEntry = {}));
export var Offer;
(function (Offer) {
    let _codec;
    Offer.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if ((obj.transferId != null && obj.transferId.byteLength > 0)) {
                    w.uint32(10);
                    w.bytes(obj.transferId);
                }
                if ((obj.root != null && obj.root.byteLength > 0)) {
                    w.uint32(18);
                    w.bytes(obj.root);
                }
                if ((obj.totalBytes != null && obj.totalBytes !== 0)) {
                    w.uint32(24);
                    w.uint64Number(obj.totalBytes);
                }
                if (obj.files != null && obj.files.length > 0) {
                    for (const value of obj.files) {
                        w.uint32(34);
                        FileEntry.codec().encode(value, w);
                    }
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    transferId: uint8ArrayAlloc(0),
                    root: uint8ArrayAlloc(0),
                    totalBytes: 0,
                    files: []
                };
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            obj.transferId = reader.bytes();
                            break;
                        }
                        case 2: {
                            obj.root = reader.bytes();
                            break;
                        }
                        case 3: {
                            obj.totalBytes = reader.uint64Number();
                            break;
                        }
                        case 4: {
                            if (opts.limits?.files != null && obj.files.length === opts.limits.files) {
                                throw new MaxLengthError('Decode error - repeated field "files" had too many elements');
                            }
                            obj.files.push(FileEntry.codec().decode(reader, reader.uint32(), {
                                limits: opts.limits?.files$
                            }));
                            break;
                        }
                        default: {
                            reader.skipType(tag & 7);
                            break;
                        }
                    }
                }
                return obj;
            }, function* (reader, length, prefix, opts = {}) {
                const obj = {
                    files: 0
                };
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            yield {
                                field: `${prefix}.transferId`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 2: {
                            yield {
                                field: `${prefix}.root`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 3: {
                            yield {
                                field: `${prefix}.totalBytes`,
                                value: reader.uint64Number()
                            };
                            break;
                        }
                        case 4: {
                            if (opts.limits?.files != null && obj.files === opts.limits.files) {
                                throw new MaxLengthError('Streaming decode error - repeated field "files" had too many elements');
                            }
                            for (const evt of FileEntry.codec().stream(reader, reader.uint32(), `${prefix}.files[]`, {
                                limits: opts.limits?.files$
                            })) {
                                yield {
                                    ...evt,
                                    index: obj.files
                                };
                            }
                            obj.files++;
                            break;
                        }
                        default: {
                            reader.skipType(tag & 7);
                            break;
                        }
                    }
                }
            });
        }
        return _codec;
    };
    function encode(obj) {
        return encodeMessage(obj, Offer.codec());
    }
    Offer.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, Offer.codec(), opts);
    }
    Offer.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, Offer.codec(), opts);
    }
    Offer.stream = stream;
})(Offer || (Offer = {}));
export var OfferAnswer;
(function (OfferAnswer) {
    let _codec;
    OfferAnswer.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if ((obj.status != null && obj.status !== '')) {
                    w.uint32(10);
                    w.string(obj.status);
                }
                if ((obj.haveBytes != null && obj.haveBytes !== 0)) {
                    w.uint32(16);
                    w.uint64Number(obj.haveBytes);
                }
                if ((obj.waitsTurn != null && obj.waitsTurn !== false)) {
                    w.uint32(24);
                    w.bool(obj.waitsTurn);
                }
                if ((obj.retryInMs != null && obj.retryInMs !== 0)) {
                    w.uint32(32);
                    w.uint32(obj.retryInMs);
                }
                if (obj.waitsFor != null) {
                    w.uint32(42);
                    WireError.codec().encode(obj.waitsFor, w);
                }
                if (obj.keptFiles != null) {
                    w.uint32(48);
                    w.uint32(obj.keptFiles);
                }
                if (obj.acceptWaitMs != null) {
                    w.uint32(56);
                    w.uint64Number(obj.acceptWaitMs);
                }
                if (obj.error != null) {
                    w.uint32(122);
                    WireError.codec().encode(obj.error, w);
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    status: '',
                    haveBytes: 0,
                    waitsTurn: false,
                    retryInMs: 0
                };
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            obj.status = reader.string();
                            break;
                        }
                        case 2: {
                            obj.haveBytes = reader.uint64Number();
                            break;
                        }
                        case 3: {
                            obj.waitsTurn = reader.bool();
                            break;
                        }
                        case 4: {
                            obj.retryInMs = reader.uint32();
                            break;
                        }
                        case 5: {
                            obj.waitsFor = WireError.codec().decode(reader, reader.uint32(), {
                                limits: opts.limits?.waitsFor
                            });
                            break;
                        }
                        case 6: {
                            obj.keptFiles = reader.uint32();
                            break;
                        }
                        case 7: {
                            obj.acceptWaitMs = reader.uint64Number();
                            break;
                        }
                        case 15: {
                            obj.error = WireError.codec().decode(reader, reader.uint32(), {
                                limits: opts.limits?.error
                            });
                            break;
                        }
                        default: {
                            reader.skipType(tag & 7);
                            break;
                        }
                    }
                }
                return obj;
            }, function* (reader, length, prefix, opts = {}) {
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            yield {
                                field: `${prefix}.status`,
                                value: reader.string()
                            };
                            break;
                        }
                        case 2: {
                            yield {
                                field: `${prefix}.haveBytes`,
                                value: reader.uint64Number()
                            };
                            break;
                        }
                        case 3: {
                            yield {
                                field: `${prefix}.waitsTurn`,
                                value: reader.bool()
                            };
                            break;
                        }
                        case 4: {
                            yield {
                                field: `${prefix}.retryInMs`,
                                value: reader.uint32()
                            };
                            break;
                        }
                        case 5: {
                            yield* WireError.codec().stream(reader, reader.uint32(), `${prefix}.waitsFor`, {
                                limits: opts.limits?.waitsFor
                            });
                            break;
                        }
                        case 6: {
                            yield {
                                field: `${prefix}.keptFiles`,
                                value: reader.uint32()
                            };
                            break;
                        }
                        case 7: {
                            yield {
                                field: `${prefix}.acceptWaitMs`,
                                value: reader.uint64Number()
                            };
                            break;
                        }
                        case 15: {
                            yield* WireError.codec().stream(reader, reader.uint32(), `${prefix}.error`, {
                                limits: opts.limits?.error
                            });
                            break;
                        }
                        default: {
                            reader.skipType(tag & 7);
                            break;
                        }
                    }
                }
            });
        }
        return _codec;
    };
    function encode(obj) {
        return encodeMessage(obj, OfferAnswer.codec());
    }
    OfferAnswer.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, OfferAnswer.codec(), opts);
    }
    OfferAnswer.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, OfferAnswer.codec(), opts);
    }
    OfferAnswer.stream = stream;
})(OfferAnswer || (OfferAnswer = {}));
export var ChunkRequest;
(function (ChunkRequest) {
    let _codec;
    ChunkRequest.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if ((obj.transferId != null && obj.transferId.byteLength > 0)) {
                    w.uint32(10);
                    w.bytes(obj.transferId);
                }
                if ((obj.fileIndex != null && obj.fileIndex !== 0)) {
                    w.uint32(16);
                    w.uint32(obj.fileIndex);
                }
                if (obj.chunks != null && obj.chunks.length > 0) {
                    for (const value of obj.chunks) {
                        w.uint32(24);
                        w.uint32(value);
                    }
                }
                if ((obj.firstOffset != null && obj.firstOffset !== 0)) {
                    w.uint32(32);
                    w.uint32(obj.firstOffset);
                }
                if ((obj.firstLength != null && obj.firstLength !== 0)) {
                    w.uint32(40);
                    w.uint32(obj.firstLength);
                }
                if ((obj.heldBytes != null && obj.heldBytes !== 0)) {
                    w.uint32(48);
                    w.uint64Number(obj.heldBytes);
                }
                if ((obj.fileHeldBytes != null && obj.fileHeldBytes !== 0)) {
                    w.uint32(56);
                    w.uint64Number(obj.fileHeldBytes);
                }
                if ((obj.waitsTurn != null && obj.waitsTurn !== false)) {
                    w.uint32(64);
                    w.bool(obj.waitsTurn);
                }
                if (obj.waitsFor != null) {
                    w.uint32(74);
                    WireError.codec().encode(obj.waitsFor, w);
                }
                if ((obj.runs != null && obj.runs !== false)) {
                    w.uint32(80);
                    w.bool(obj.runs);
                }
                if ((obj.heldFiles != null && obj.heldFiles !== 0)) {
                    w.uint32(88);
                    w.uint32(obj.heldFiles);
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    transferId: uint8ArrayAlloc(0),
                    fileIndex: 0,
                    chunks: [],
                    firstOffset: 0,
                    firstLength: 0,
                    heldBytes: 0,
                    fileHeldBytes: 0,
                    waitsTurn: false,
                    runs: false,
                    heldFiles: 0
                };
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            obj.transferId = reader.bytes();
                            break;
                        }
                        case 2: {
                            obj.fileIndex = reader.uint32();
                            break;
                        }
                        case 3: {
                            if (opts.limits?.chunks != null && obj.chunks.length === opts.limits.chunks) {
                                throw new MaxLengthError('Decode error - repeated field "chunks" had too many elements');
                            }
                            obj.chunks.push(reader.uint32());
                            break;
                        }
                        case 4: {
                            obj.firstOffset = reader.uint32();
                            break;
                        }
                        case 5: {
                            obj.firstLength = reader.uint32();
                            break;
                        }
                        case 6: {
                            obj.heldBytes = reader.uint64Number();
                            break;
                        }
                        case 7: {
                            obj.fileHeldBytes = reader.uint64Number();
                            break;
                        }
                        case 8: {
                            obj.waitsTurn = reader.bool();
                            break;
                        }
                        case 9: {
                            obj.waitsFor = WireError.codec().decode(reader, reader.uint32(), {
                                limits: opts.limits?.waitsFor
                            });
                            break;
                        }
                        case 10: {
                            obj.runs = reader.bool();
                            break;
                        }
                        case 11: {
                            obj.heldFiles = reader.uint32();
                            break;
                        }
                        default: {
                            reader.skipType(tag & 7);
                            break;
                        }
                    }
                }
                return obj;
            }, function* (reader, length, prefix, opts = {}) {
                const obj = {
                    chunks: 0
                };
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            yield {
                                field: `${prefix}.transferId`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 2: {
                            yield {
                                field: `${prefix}.fileIndex`,
                                value: reader.uint32()
                            };
                            break;
                        }
                        case 3: {
                            if (opts.limits?.chunks != null && obj.chunks === opts.limits.chunks) {
                                throw new MaxLengthError('Streaming decode error - repeated field "chunks" had too many elements');
                            }
                            yield {
                                field: `${prefix}.chunks[]`,
                                index: obj.chunks,
                                value: reader.uint32()
                            };
                            obj.chunks++;
                            break;
                        }
                        case 4: {
                            yield {
                                field: `${prefix}.firstOffset`,
                                value: reader.uint32()
                            };
                            break;
                        }
                        case 5: {
                            yield {
                                field: `${prefix}.firstLength`,
                                value: reader.uint32()
                            };
                            break;
                        }
                        case 6: {
                            yield {
                                field: `${prefix}.heldBytes`,
                                value: reader.uint64Number()
                            };
                            break;
                        }
                        case 7: {
                            yield {
                                field: `${prefix}.fileHeldBytes`,
                                value: reader.uint64Number()
                            };
                            break;
                        }
                        case 8: {
                            yield {
                                field: `${prefix}.waitsTurn`,
                                value: reader.bool()
                            };
                            break;
                        }
                        case 9: {
                            yield* WireError.codec().stream(reader, reader.uint32(), `${prefix}.waitsFor`, {
                                limits: opts.limits?.waitsFor
                            });
                            break;
                        }
                        case 10: {
                            yield {
                                field: `${prefix}.runs`,
                                value: reader.bool()
                            };
                            break;
                        }
                        case 11: {
                            yield {
                                field: `${prefix}.heldFiles`,
                                value: reader.uint32()
                            };
                            break;
                        }
                        default: {
                            reader.skipType(tag & 7);
                            break;
                        }
                    }
                }
            });
        }
        return _codec;
    };
    function encode(obj) {
        return encodeMessage(obj, ChunkRequest.codec());
    }
    ChunkRequest.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, ChunkRequest.codec(), opts);
    }
    ChunkRequest.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, ChunkRequest.codec(), opts);
    }
    ChunkRequest.stream = stream;
})(ChunkRequest || (ChunkRequest = {}));
export var ChunkHeader;
(function (ChunkHeader) {
    let _codec;
    ChunkHeader.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if ((obj.fileIndex != null && obj.fileIndex !== 0)) {
                    w.uint32(8);
                    w.uint32(obj.fileIndex);
                }
                if ((obj.chunk != null && obj.chunk !== 0)) {
                    w.uint32(16);
                    w.uint32(obj.chunk);
                }
                if ((obj.length != null && obj.length !== 0)) {
                    w.uint32(24);
                    w.uint32(obj.length);
                }
                if ((obj.offset != null && obj.offset !== 0)) {
                    w.uint32(32);
                    w.uint32(obj.offset);
                }
                if ((obj.notServed != null && obj.notServed !== 0)) {
                    w.uint32(40);
                    w.uint32(obj.notServed);
                }
                if (obj.error != null) {
                    w.uint32(122);
                    WireError.codec().encode(obj.error, w);
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    fileIndex: 0,
                    chunk: 0,
                    length: 0,
                    offset: 0,
                    notServed: 0
                };
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            obj.fileIndex = reader.uint32();
                            break;
                        }
                        case 2: {
                            obj.chunk = reader.uint32();
                            break;
                        }
                        case 3: {
                            obj.length = reader.uint32();
                            break;
                        }
                        case 4: {
                            obj.offset = reader.uint32();
                            break;
                        }
                        case 5: {
                            obj.notServed = reader.uint32();
                            break;
                        }
                        case 15: {
                            obj.error = WireError.codec().decode(reader, reader.uint32(), {
                                limits: opts.limits?.error
                            });
                            break;
                        }
                        default: {
                            reader.skipType(tag & 7);
                            break;
                        }
                    }
                }
                return obj;
            }, function* (reader, length, prefix, opts = {}) {
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            yield {
                                field: `${prefix}.fileIndex`,
                                value: reader.uint32()
                            };
                            break;
                        }
                        case 2: {
                            yield {
                                field: `${prefix}.chunk`,
                                value: reader.uint32()
                            };
                            break;
                        }
                        case 3: {
                            yield {
                                field: `${prefix}.length`,
                                value: reader.uint32()
                            };
                            break;
                        }
                        case 4: {
                            yield {
                                field: `${prefix}.offset`,
                                value: reader.uint32()
                            };
                            break;
                        }
                        case 5: {
                            yield {
                                field: `${prefix}.notServed`,
                                value: reader.uint32()
                            };
                            break;
                        }
                        case 15: {
                            yield* WireError.codec().stream(reader, reader.uint32(), `${prefix}.error`, {
                                limits: opts.limits?.error
                            });
                            break;
                        }
                        default: {
                            reader.skipType(tag & 7);
                            break;
                        }
                    }
                }
            });
        }
        return _codec;
    };
    function encode(obj) {
        return encodeMessage(obj, ChunkHeader.codec());
    }
    ChunkHeader.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, ChunkHeader.codec(), opts);
    }
    ChunkHeader.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, ChunkHeader.codec(), opts);
    }
    ChunkHeader.stream = stream;
})(ChunkHeader || (ChunkHeader = {}));
export var TransferEnd;
(function (TransferEnd) {
    let _codec;
    TransferEnd.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if ((obj.transferId != null && obj.transferId.byteLength > 0)) {
                    w.uint32(10);
                    w.bytes(obj.transferId);
                }
                if ((obj.status != null && obj.status !== '')) {
                    w.uint32(18);
                    w.string(obj.status);
                }
                if ((obj.root != null && obj.root.byteLength > 0)) {
                    w.uint32(26);
                    w.bytes(obj.root);
                }
                if ((obj.signature != null && obj.signature.byteLength > 0)) {
                    w.uint32(34);
                    w.bytes(obj.signature);
                }
                if (obj.failure != null) {
                    w.uint32(42);
                    WireError.codec().encode(obj.failure, w);
                }
                if ((obj.wireBytes != null && obj.wireBytes !== 0)) {
                    w.uint32(48);
                    w.uint64Number(obj.wireBytes);
                }
                if ((obj.missing != null && obj.missing.byteLength > 0)) {
                    w.uint32(58);
                    w.bytes(obj.missing);
                }
                if (obj.doneBytes != null) {
                    w.uint32(64);
                    w.uint64Number(obj.doneBytes);
                }
                if ((obj.renamedCount != null && obj.renamedCount !== 0)) {
                    w.uint32(72);
                    w.uint32(obj.renamedCount);
                }
                if (obj.renamed != null && obj.renamed.length > 0) {
                    for (const value of obj.renamed) {
                        w.uint32(82);
                        Renamed.codec().encode(value, w);
                    }
                }
                if (obj.refused != null && obj.refused.length > 0) {
                    for (const value of obj.refused) {
                        w.uint32(90);
                        Refused.codec().encode(value, w);
                    }
                }
                if (obj.renames != null && obj.renames.length > 0) {
                    for (const value of obj.renames) {
                        w.uint32(98);
                        Renamed.codec().encode(value, w);
                    }
                }
                if ((obj.renameCount != null && obj.renameCount !== 0)) {
                    w.uint32(104);
                    w.uint32(obj.renameCount);
                }
                if (obj.keptFiles != null) {
                    w.uint32(112);
                    w.uint32(obj.keptFiles);
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    transferId: uint8ArrayAlloc(0),
                    status: '',
                    root: uint8ArrayAlloc(0),
                    signature: uint8ArrayAlloc(0),
                    wireBytes: 0,
                    missing: uint8ArrayAlloc(0),
                    renamedCount: 0,
                    renamed: [],
                    refused: [],
                    renames: [],
                    renameCount: 0
                };
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            obj.transferId = reader.bytes();
                            break;
                        }
                        case 2: {
                            obj.status = reader.string();
                            break;
                        }
                        case 3: {
                            obj.root = reader.bytes();
                            break;
                        }
                        case 4: {
                            obj.signature = reader.bytes();
                            break;
                        }
                        case 5: {
                            obj.failure = WireError.codec().decode(reader, reader.uint32(), {
                                limits: opts.limits?.failure
                            });
                            break;
                        }
                        case 6: {
                            obj.wireBytes = reader.uint64Number();
                            break;
                        }
                        case 7: {
                            obj.missing = reader.bytes();
                            break;
                        }
                        case 8: {
                            obj.doneBytes = reader.uint64Number();
                            break;
                        }
                        case 9: {
                            obj.renamedCount = reader.uint32();
                            break;
                        }
                        case 10: {
                            if (opts.limits?.renamed != null && obj.renamed.length === opts.limits.renamed) {
                                throw new MaxLengthError('Decode error - repeated field "renamed" had too many elements');
                            }
                            obj.renamed.push(Renamed.codec().decode(reader, reader.uint32(), {
                                limits: opts.limits?.renamed$
                            }));
                            break;
                        }
                        case 11: {
                            if (opts.limits?.refused != null && obj.refused.length === opts.limits.refused) {
                                throw new MaxLengthError('Decode error - repeated field "refused" had too many elements');
                            }
                            obj.refused.push(Refused.codec().decode(reader, reader.uint32(), {
                                limits: opts.limits?.refused$
                            }));
                            break;
                        }
                        case 12: {
                            if (opts.limits?.renames != null && obj.renames.length === opts.limits.renames) {
                                throw new MaxLengthError('Decode error - repeated field "renames" had too many elements');
                            }
                            obj.renames.push(Renamed.codec().decode(reader, reader.uint32(), {
                                limits: opts.limits?.renames$
                            }));
                            break;
                        }
                        case 13: {
                            obj.renameCount = reader.uint32();
                            break;
                        }
                        case 14: {
                            obj.keptFiles = reader.uint32();
                            break;
                        }
                        default: {
                            reader.skipType(tag & 7);
                            break;
                        }
                    }
                }
                return obj;
            }, function* (reader, length, prefix, opts = {}) {
                const obj = {
                    renamed: 0,
                    refused: 0,
                    renames: 0
                };
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            yield {
                                field: `${prefix}.transferId`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 2: {
                            yield {
                                field: `${prefix}.status`,
                                value: reader.string()
                            };
                            break;
                        }
                        case 3: {
                            yield {
                                field: `${prefix}.root`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 4: {
                            yield {
                                field: `${prefix}.signature`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 5: {
                            yield* WireError.codec().stream(reader, reader.uint32(), `${prefix}.failure`, {
                                limits: opts.limits?.failure
                            });
                            break;
                        }
                        case 6: {
                            yield {
                                field: `${prefix}.wireBytes`,
                                value: reader.uint64Number()
                            };
                            break;
                        }
                        case 7: {
                            yield {
                                field: `${prefix}.missing`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 8: {
                            yield {
                                field: `${prefix}.doneBytes`,
                                value: reader.uint64Number()
                            };
                            break;
                        }
                        case 9: {
                            yield {
                                field: `${prefix}.renamedCount`,
                                value: reader.uint32()
                            };
                            break;
                        }
                        case 10: {
                            if (opts.limits?.renamed != null && obj.renamed === opts.limits.renamed) {
                                throw new MaxLengthError('Streaming decode error - repeated field "renamed" had too many elements');
                            }
                            for (const evt of Renamed.codec().stream(reader, reader.uint32(), `${prefix}.renamed[]`, {
                                limits: opts.limits?.renamed$
                            })) {
                                yield {
                                    ...evt,
                                    index: obj.renamed
                                };
                            }
                            obj.renamed++;
                            break;
                        }
                        case 11: {
                            if (opts.limits?.refused != null && obj.refused === opts.limits.refused) {
                                throw new MaxLengthError('Streaming decode error - repeated field "refused" had too many elements');
                            }
                            for (const evt of Refused.codec().stream(reader, reader.uint32(), `${prefix}.refused[]`, {
                                limits: opts.limits?.refused$
                            })) {
                                yield {
                                    ...evt,
                                    index: obj.refused
                                };
                            }
                            obj.refused++;
                            break;
                        }
                        case 12: {
                            if (opts.limits?.renames != null && obj.renames === opts.limits.renames) {
                                throw new MaxLengthError('Streaming decode error - repeated field "renames" had too many elements');
                            }
                            for (const evt of Renamed.codec().stream(reader, reader.uint32(), `${prefix}.renames[]`, {
                                limits: opts.limits?.renames$
                            })) {
                                yield {
                                    ...evt,
                                    index: obj.renames
                                };
                            }
                            obj.renames++;
                            break;
                        }
                        case 13: {
                            yield {
                                field: `${prefix}.renameCount`,
                                value: reader.uint32()
                            };
                            break;
                        }
                        case 14: {
                            yield {
                                field: `${prefix}.keptFiles`,
                                value: reader.uint32()
                            };
                            break;
                        }
                        default: {
                            reader.skipType(tag & 7);
                            break;
                        }
                    }
                }
            });
        }
        return _codec;
    };
    function encode(obj) {
        return encodeMessage(obj, TransferEnd.codec());
    }
    TransferEnd.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, TransferEnd.codec(), opts);
    }
    TransferEnd.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, TransferEnd.codec(), opts);
    }
    TransferEnd.stream = stream;
})(TransferEnd || (TransferEnd = {}));
export var Refused;
(function (Refused) {
    let _codec;
    Refused.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if ((obj.entry != null && obj.entry !== 0)) {
                    w.uint32(8);
                    w.uint32(obj.entry);
                }
                if ((obj.reason != null && obj.reason !== '')) {
                    w.uint32(18);
                    w.string(obj.reason);
                }
                if ((obj.under != null && obj.under !== '')) {
                    w.uint32(26);
                    w.string(obj.under);
                }
                if ((obj.code != null && obj.code !== '')) {
                    w.uint32(34);
                    w.string(obj.code);
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    entry: 0,
                    reason: '',
                    under: '',
                    code: ''
                };
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            obj.entry = reader.uint32();
                            break;
                        }
                        case 2: {
                            obj.reason = reader.string();
                            break;
                        }
                        case 3: {
                            obj.under = reader.string();
                            break;
                        }
                        case 4: {
                            obj.code = reader.string();
                            break;
                        }
                        default: {
                            reader.skipType(tag & 7);
                            break;
                        }
                    }
                }
                return obj;
            }, function* (reader, length, prefix, opts = {}) {
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            yield {
                                field: `${prefix}.entry`,
                                value: reader.uint32()
                            };
                            break;
                        }
                        case 2: {
                            yield {
                                field: `${prefix}.reason`,
                                value: reader.string()
                            };
                            break;
                        }
                        case 3: {
                            yield {
                                field: `${prefix}.under`,
                                value: reader.string()
                            };
                            break;
                        }
                        case 4: {
                            yield {
                                field: `${prefix}.code`,
                                value: reader.string()
                            };
                            break;
                        }
                        default: {
                            reader.skipType(tag & 7);
                            break;
                        }
                    }
                }
            });
        }
        return _codec;
    };
    function encode(obj) {
        return encodeMessage(obj, Refused.codec());
    }
    Refused.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, Refused.codec(), opts);
    }
    Refused.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, Refused.codec(), opts);
    }
    Refused.stream = stream;
})(Refused || (Refused = {}));
export var Renamed;
(function (Renamed) {
    let _codec;
    Renamed.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if ((obj.entry != null && obj.entry !== 0)) {
                    w.uint32(8);
                    w.uint32(obj.entry);
                }
                if ((obj.as != null && obj.as !== '')) {
                    w.uint32(18);
                    w.string(obj.as);
                }
                if ((obj.files != null && obj.files !== 0)) {
                    w.uint32(24);
                    w.uint32(obj.files);
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    entry: 0,
                    as: '',
                    files: 0
                };
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            obj.entry = reader.uint32();
                            break;
                        }
                        case 2: {
                            obj.as = reader.string();
                            break;
                        }
                        case 3: {
                            obj.files = reader.uint32();
                            break;
                        }
                        default: {
                            reader.skipType(tag & 7);
                            break;
                        }
                    }
                }
                return obj;
            }, function* (reader, length, prefix, opts = {}) {
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            yield {
                                field: `${prefix}.entry`,
                                value: reader.uint32()
                            };
                            break;
                        }
                        case 2: {
                            yield {
                                field: `${prefix}.as`,
                                value: reader.string()
                            };
                            break;
                        }
                        case 3: {
                            yield {
                                field: `${prefix}.files`,
                                value: reader.uint32()
                            };
                            break;
                        }
                        default: {
                            reader.skipType(tag & 7);
                            break;
                        }
                    }
                }
            });
        }
        return _codec;
    };
    function encode(obj) {
        return encodeMessage(obj, Renamed.codec());
    }
    Renamed.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, Renamed.codec(), opts);
    }
    Renamed.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, Renamed.codec(), opts);
    }
    Renamed.stream = stream;
})(Renamed || (Renamed = {}));
export var TransferEndAck;
(function (TransferEndAck) {
    let _codec;
    TransferEndAck.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if ((obj.ok != null && obj.ok !== false)) {
                    w.uint32(8);
                    w.bool(obj.ok);
                }
                if (obj.error != null) {
                    w.uint32(122);
                    WireError.codec().encode(obj.error, w);
                }
                if ((obj.keptFiles != null && obj.keptFiles !== 0)) {
                    w.uint32(128);
                    w.uint32(obj.keptFiles);
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    ok: false,
                    keptFiles: 0
                };
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            obj.ok = reader.bool();
                            break;
                        }
                        case 15: {
                            obj.error = WireError.codec().decode(reader, reader.uint32(), {
                                limits: opts.limits?.error
                            });
                            break;
                        }
                        case 16: {
                            obj.keptFiles = reader.uint32();
                            break;
                        }
                        default: {
                            reader.skipType(tag & 7);
                            break;
                        }
                    }
                }
                return obj;
            }, function* (reader, length, prefix, opts = {}) {
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            yield {
                                field: `${prefix}.ok`,
                                value: reader.bool()
                            };
                            break;
                        }
                        case 15: {
                            yield* WireError.codec().stream(reader, reader.uint32(), `${prefix}.error`, {
                                limits: opts.limits?.error
                            });
                            break;
                        }
                        case 16: {
                            yield {
                                field: `${prefix}.keptFiles`,
                                value: reader.uint32()
                            };
                            break;
                        }
                        default: {
                            reader.skipType(tag & 7);
                            break;
                        }
                    }
                }
            });
        }
        return _codec;
    };
    function encode(obj) {
        return encodeMessage(obj, TransferEndAck.codec());
    }
    TransferEndAck.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, TransferEndAck.codec(), opts);
    }
    TransferEndAck.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, TransferEndAck.codec(), opts);
    }
    TransferEndAck.stream = stream;
})(TransferEndAck || (TransferEndAck = {}));
export var HashPart;
(function (HashPart) {
    let _codec;
    HashPart.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if ((obj.fileIndex != null && obj.fileIndex !== 0)) {
                    w.uint32(8);
                    w.uint32(obj.fileIndex);
                }
                if ((obj.firstChunk != null && obj.firstChunk !== 0)) {
                    w.uint32(16);
                    w.uint32(obj.firstChunk);
                }
                if ((obj.hashes != null && obj.hashes.byteLength > 0)) {
                    w.uint32(26);
                    w.bytes(obj.hashes);
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    fileIndex: 0,
                    firstChunk: 0,
                    hashes: uint8ArrayAlloc(0)
                };
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            obj.fileIndex = reader.uint32();
                            break;
                        }
                        case 2: {
                            obj.firstChunk = reader.uint32();
                            break;
                        }
                        case 3: {
                            obj.hashes = reader.bytes();
                            break;
                        }
                        default: {
                            reader.skipType(tag & 7);
                            break;
                        }
                    }
                }
                return obj;
            }, function* (reader, length, prefix, opts = {}) {
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            yield {
                                field: `${prefix}.fileIndex`,
                                value: reader.uint32()
                            };
                            break;
                        }
                        case 2: {
                            yield {
                                field: `${prefix}.firstChunk`,
                                value: reader.uint32()
                            };
                            break;
                        }
                        case 3: {
                            yield {
                                field: `${prefix}.hashes`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        default: {
                            reader.skipType(tag & 7);
                            break;
                        }
                    }
                }
            });
        }
        return _codec;
    };
    function encode(obj) {
        return encodeMessage(obj, HashPart.codec());
    }
    HashPart.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, HashPart.codec(), opts);
    }
    HashPart.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, HashPart.codec(), opts);
    }
    HashPart.stream = stream;
})(HashPart || (HashPart = {}));
export var WireError;
(function (WireError) {
    let _codec;
    WireError.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if ((obj.code != null && obj.code !== '')) {
                    w.uint32(10);
                    w.string(obj.code);
                }
                if ((obj.message != null && obj.message !== '')) {
                    w.uint32(18);
                    w.string(obj.message);
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    code: '',
                    message: ''
                };
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            obj.code = reader.string();
                            break;
                        }
                        case 2: {
                            obj.message = reader.string();
                            break;
                        }
                        default: {
                            reader.skipType(tag & 7);
                            break;
                        }
                    }
                }
                return obj;
            }, function* (reader, length, prefix, opts = {}) {
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            yield {
                                field: `${prefix}.code`,
                                value: reader.string()
                            };
                            break;
                        }
                        case 2: {
                            yield {
                                field: `${prefix}.message`,
                                value: reader.string()
                            };
                            break;
                        }
                        default: {
                            reader.skipType(tag & 7);
                            break;
                        }
                    }
                }
            });
        }
        return _codec;
    };
    function encode(obj) {
        return encodeMessage(obj, WireError.codec());
    }
    WireError.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, WireError.codec(), opts);
    }
    WireError.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, WireError.codec(), opts);
    }
    WireError.stream = stream;
})(WireError || (WireError = {}));
export var Refusal;
(function (Refusal) {
    let _codec;
    Refusal.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if (obj.error != null) {
                    w.uint32(122);
                    WireError.codec().encode(obj.error, w);
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {};
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 15: {
                            obj.error = WireError.codec().decode(reader, reader.uint32(), {
                                limits: opts.limits?.error
                            });
                            break;
                        }
                        default: {
                            reader.skipType(tag & 7);
                            break;
                        }
                    }
                }
                return obj;
            }, function* (reader, length, prefix, opts = {}) {
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 15: {
                            yield* WireError.codec().stream(reader, reader.uint32(), `${prefix}.error`, {
                                limits: opts.limits?.error
                            });
                            break;
                        }
                        default: {
                            reader.skipType(tag & 7);
                            break;
                        }
                    }
                }
            });
        }
        return _codec;
    };
    function encode(obj) {
        return encodeMessage(obj, Refusal.codec());
    }
    Refusal.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, Refusal.codec(), opts);
    }
    Refusal.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, Refusal.codec(), opts);
    }
    Refusal.stream = stream;
})(Refusal || (Refusal = {}));
