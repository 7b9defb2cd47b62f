/** Which ferry error code a failed file operation of the chunk sink reports. */
export declare function sinkErrorCode (errno: string | undefined): 'E_NO_SPACE' | 'E_PATH_NOT_FOUND' | 'E_PATH_UNSAFE' | 'E_IO'
