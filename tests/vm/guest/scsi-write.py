# scsi-write.py DEV LBA: one SCSI WRITE(10) of one 512-byte block at LBA, sent with the SG_IO ioctl on the
# block device (opened read-only: root's CAP_SYS_RAWIO lets the command through), so it reaches the target
# even when the block layer holds the disk read-only. Prints one line:
#   GOOD                        the target wrote it
#   SENSE key=K asc=A ascq=Q    CHECK CONDITION with fixed or descriptor sense (K 7 = DATA PROTECT,
#                               A 0x27 = WRITE PROTECTED)
#   STATUS s host=h driver=d    anything else
import ctypes
import fcntl
import os
import struct
import sys

SG_IO = 0x2285
SG_DXFER_TO_DEV = -2
# struct sg_io_hdr (scsi/sg.h), native layout on x86_64
HDR = "iiBBHIPPPIIiPBBBBHHiII"


def main():
    dev, lba = sys.argv[1], int(sys.argv[2])
    data = ctypes.create_string_buffer(b"\xa5" * 512, 512)
    cdb = ctypes.create_string_buffer(struct.pack(">BBIBHB", 0x2A, 0, lba, 0, 1, 0), 10)
    sense = ctypes.create_string_buffer(32)
    hdr = bytearray(struct.pack(HDR, ord("S"), SG_DXFER_TO_DEV, 10, 32, 0, 512,
                                ctypes.addressof(data), ctypes.addressof(cdb), ctypes.addressof(sense),
                                20000, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
    fd = os.open(dev, os.O_RDONLY)
    try:
        fcntl.ioctl(fd, SG_IO, hdr)
    finally:
        os.close(fd)
    f = struct.unpack(HDR, bytes(hdr))
    status, sb_len, host, driver = f[13], f[16], f[17], f[18]
    sb = sense.raw[:sb_len]
    if status == 0 and host == 0 and (driver & 0xF) == 0:
        print("GOOD")
    elif status == 2 and len(sb) >= 14 and (sb[0] & 0x7F) in (0x70, 0x71):
        print("SENSE key=%d asc=0x%02x ascq=0x%02x" % (sb[2] & 0xF, sb[12], sb[13]))
    elif status == 2 and len(sb) >= 4 and (sb[0] & 0x7F) in (0x72, 0x73):
        print("SENSE key=%d asc=0x%02x ascq=0x%02x" % (sb[1] & 0xF, sb[2], sb[3]))
    else:
        print("STATUS %d host=%d driver=%d" % (status, host, driver))


main()
