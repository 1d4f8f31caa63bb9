//! Fictional demo kabupaten for `pakta demo`.
//!
//! This module is responsible for generating, from a seed alone, a complete
//! and believable regional government — its OPDs (perangkat daerah) and a
//! roster of officials — so that someone can click through the product
//! without touching real personnel data. Everything here is fictional: the
//! kabupaten, its kecamatan and kelurahan, and every person. Names are random
//! combinations of common Indonesian name parts, and NIP / NI PPPK / NIK
//! values are random numbers that merely satisfy the format rules the rest of
//! the crate enforces.
//!
//! Generation is a pure function of `(seed, officials_count)`: no IO, no
//! clock and no OS randomness, so a demo database can be rebuilt identically
//! and tests can pin exact behaviour.

use std::collections::{BTreeMap, HashSet};

use sha2::{Digest, Sha256};

/// A perangkat daerah (OPD) of the demo kabupaten.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoOpd {
    pub code: String,
    pub name: String,
}

/// One fictional official on the demo roster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoOfficial {
    /// NIP for PNS, NI PPPK for PPPK (both 18 digits), NIK for non-ASN (16 digits).
    pub nip: String,
    pub name: String,
    pub position: String,
    /// Pangkat/golongan for PNS, golongan for PPPK, `None` for non-ASN.
    pub rank: Option<String>,
    /// `"PNS"`, `"PPPK"` or `"NON_ASN"`.
    pub category: &'static str,
    pub opd_code: String,
    pub is_head: bool,
}

/// A generated kabupaten: its OPDs and its roster.
///
/// Officials are grouped by OPD in the order of `opds`, and within an OPD the
/// head comes first, then structural officials, then everyone else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoKabupaten {
    pub name: String,
    pub timezone: &'static str,
    pub opds: Vec<DemoOpd>,
    pub officials: Vec<DemoOfficial>,
}

const KABUPATEN_NAME: &str = "Kabupaten Sukamaju Raya";
const TIMEZONE: &str = "Asia/Jakarta";

const CATEGORY_PNS: &str = "PNS";
const CATEGORY_PPPK: &str = "PPPK";
const CATEGORY_NON_ASN: &str = "NON_ASN";

/// Every OPD gets this many officials (head included) before the rest of the
/// roster is spread by weight, so that no office looks empty in the demo.
const MIN_PER_OPD: usize = 3;

/// The year the roster is "as of". Fixed rather than read from the clock so
/// output never drifts; it also caps CPNS/PPPK appointment years.
const ROSTER_YEAR: u32 = 2024;

/// Officials born before this would already be past the 58-year retirement
/// age for most positions in `ROSTER_YEAR`.
const OLDEST_BIRTH_YEAR: u32 = 1967;
const YOUNGEST_ASN_BIRTH_YEAR: u32 = 2000;
const YOUNGEST_NON_ASN_BIRTH_YEAR: u32 = 2004;

/// Deterministic byte stream: SHA-256(seed_le || counter_le) blocks.
///
/// SHA-256 is used instead of a PRNG crate so the stream is fully specified
/// by this file and stays stable across dependency upgrades.
struct DemoRng {
    seed: u64,
    counter: u64,
    block: [u8; 32],
    used: usize,
}

impl DemoRng {
    fn new(seed: u64) -> Self {
        DemoRng {
            seed,
            counter: 0,
            block: [0; 32],
            // Start "exhausted" so the first read hashes counter 0.
            used: 32,
        }
    }

    fn refill(&mut self) {
        let mut hasher = Sha256::new();
        hasher.update(self.seed.to_le_bytes());
        hasher.update(self.counter.to_le_bytes());
        self.block.copy_from_slice(&hasher.finalize());
        self.counter += 1;
        self.used = 0;
    }

    fn next_u64(&mut self) -> u64 {
        if self.used + 8 > self.block.len() {
            self.refill();
        }
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(&self.block[self.used..self.used + 8]);
        self.used += 8;
        u64::from_le_bytes(bytes)
    }

    /// Uniform in `0..n`. Rejection sampling avoids modulo bias, which would
    /// otherwise skew the category and rank shares the tests check.
    fn below(&mut self, n: u64) -> u64 {
        assert!(n > 0, "DemoRng::below(0)");
        let zone = u64::MAX - (u64::MAX % n);
        loop {
            let v = self.next_u64();
            if v < zone {
                return v % n;
            }
        }
    }

    fn below_usize(&mut self, n: usize) -> usize {
        self.below(n as u64) as usize
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: u32, hi: u32) -> u32 {
        debug_assert!(lo <= hi);
        lo + self.below(u64::from(hi - lo) + 1) as u32
    }

    /// True with probability `percent`/100.
    fn chance(&mut self, percent: u32) -> bool {
        self.below(100) < u64::from(percent)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below_usize(items.len())]
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below_usize(i + 1);
            items.swap(i, j);
        }
    }
}

// ---------------------------------------------------------------------------
// Static description of the kabupaten
// ---------------------------------------------------------------------------

/// How a non-structural position is graded: jabatan fungsional keahlian
/// ("Ahli Pertama/Muda/Madya"), keterampilan ("Terampil/Mahir/Penyelia"), or
/// a jabatan pelaksana with no grade suffix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Track {
    Ahli,
    Terampil,
    Pelaksana,
}

/// Field of study, used only to give believable academic titles
/// (a Guru is an S.Pd., a Bidan an A.Md.Keb., an engineer an S.T.).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    General,
    Education,
    Health,
    Medical,
    Dental,
    Nursing,
    Midwifery,
    Engineering,
    It,
    Law,
    Economics,
    Agriculture,
}

#[derive(Debug, Clone, Copy)]
struct Role {
    title: &'static str,
    track: Track,
    field: Field,
    /// Share of women in this role, in percent; makes Bidan mostly women and
    /// Pengemudi men, so names and gender digits look plausible.
    female_pct: u32,
}

const fn role(title: &'static str, track: Track, field: Field, female_pct: u32) -> Role {
    Role {
        title,
        track,
        field,
        female_pct,
    }
}

/// Eselon-like seniority of a structural position; drives the rank band.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tier {
    /// Sekretaris, Kepala Bidang/Bagian, Asisten, Inspektur Pembantu.
    Senior,
    /// Kepala Subbagian, Kepala Seksi, Sekretaris Kelurahan.
    Junior,
}

struct OpdSpec {
    code: &'static str,
    name: &'static str,
    head: &'static str,
    structural: &'static [(&'static str, Tier)],
    specialists: &'static [Role],
    field: Field,
    /// Relative share of the roster beyond the per-OPD minimum; schools and
    /// hospitals employ far more people than, say, Kesbangpol.
    weight: u32,
}

use Field as F;
use Tier::{Junior as J, Senior as S};
use Track::{Ahli as A, Pelaksana as P, Terampil as T};

const KECAMATAN_UNITS: &[(&str, Tier)] = &[
    ("Sekretaris Kecamatan", S),
    ("Kepala Seksi Pemerintahan", J),
    ("Kepala Seksi Pemberdayaan Masyarakat dan Desa", J),
    ("Kepala Seksi Ketenteraman dan Ketertiban Umum", J),
    ("Kepala Seksi Pelayanan Umum", J),
    ("Kepala Subbagian Umum dan Kepegawaian", J),
];

const KECAMATAN_ROLES: &[Role] = &[
    role("Penggerak Swadaya Masyarakat", A, F::General, 40),
    role("Polisi Pamong Praja", T, F::General, 15),
    role("Pengadministrasi Perkantoran", P, F::General, 55),
    role("Pengelola Layanan Kependudukan", P, F::General, 55),
];

const KELURAHAN_UNITS: &[(&str, Tier)] = &[
    ("Sekretaris Kelurahan", J),
    ("Kepala Seksi Pemerintahan", J),
    ("Kepala Seksi Ketenteraman dan Ketertiban", J),
    ("Kepala Seksi Pemberdayaan Masyarakat", J),
];

const KELURAHAN_ROLES: &[Role] = &[
    role("Pengadministrasi Perkantoran", P, F::General, 55),
    role("Pengelola Layanan Kependudukan", P, F::General, 55),
];

const OPD_SPECS: &[OpdSpec] = &[
    OpdSpec {
        code: "SETDA",
        name: "Sekretariat Daerah",
        head: "Sekretaris Daerah",
        structural: &[
            ("Asisten Pemerintahan dan Kesejahteraan Rakyat", S),
            ("Asisten Perekonomian dan Pembangunan", S),
            ("Asisten Administrasi Umum", S),
            ("Kepala Bagian Hukum", S),
            ("Kepala Bagian Organisasi", S),
            ("Kepala Bagian Tata Pemerintahan", S),
            ("Kepala Bagian Pengadaan Barang dan Jasa", S),
            ("Kepala Bagian Protokol dan Komunikasi Pimpinan", S),
            ("Kepala Subbagian Tata Usaha Pimpinan", J),
        ],
        specialists: &[
            role("Perancang Peraturan Perundang-undangan", A, F::Law, 45),
            role("Pengelola Pengadaan Barang/Jasa", A, F::Economics, 35),
            role("Analis Kebijakan", A, F::General, 45),
            role("Pranata Hubungan Masyarakat", A, F::General, 55),
            role("Pengadministrasi Perkantoran", P, F::General, 55),
        ],
        field: F::General,
        weight: 4,
    },
    OpdSpec {
        code: "SETWAN",
        name: "Sekretariat DPRD",
        head: "Sekretaris DPRD",
        structural: &[
            ("Kepala Bagian Umum dan Keuangan", S),
            ("Kepala Bagian Persidangan dan Perundang-undangan", S),
            ("Kepala Bagian Fasilitasi Penganggaran dan Pengawasan", S),
            ("Kepala Subbagian Tata Usaha dan Kepegawaian", J),
            ("Kepala Subbagian Rapat dan Risalah", J),
        ],
        specialists: &[
            role("Perancang Peraturan Perundang-undangan", A, F::Law, 45),
            role("Analis Kebijakan", A, F::General, 45),
            role("Pranata Hubungan Masyarakat", A, F::General, 55),
            role("Pengadministrasi Perkantoran", P, F::General, 55),
        ],
        field: F::Law,
        weight: 2,
    },
    OpdSpec {
        code: "INSPEKTORAT",
        name: "Inspektorat",
        head: "Inspektur",
        structural: &[
            ("Sekretaris Inspektorat", S),
            ("Inspektur Pembantu Wilayah I", S),
            ("Inspektur Pembantu Wilayah II", S),
            ("Inspektur Pembantu Wilayah III", S),
            ("Inspektur Pembantu Khusus", S),
            ("Kepala Subbagian Umum dan Kepegawaian", J),
        ],
        specialists: &[
            role("Auditor", A, F::Economics, 45),
            role("Auditor", A, F::Economics, 45),
            role("Auditor", T, F::Economics, 45),
            role(
                "Pengawas Penyelenggaraan Urusan Pemerintahan di Daerah",
                A,
                F::General,
                40,
            ),
        ],
        field: F::Economics,
        weight: 2,
    },
    OpdSpec {
        code: "BAPPEDA",
        name: "Badan Perencanaan Pembangunan Daerah",
        head: "Kepala Badan Perencanaan Pembangunan Daerah",
        structural: &[
            ("Sekretaris Badan", S),
            ("Kepala Subbagian Umum dan Kepegawaian", J),
            (
                "Kepala Bidang Perencanaan Pemerintahan dan Pembangunan Manusia",
                S,
            ),
            ("Kepala Bidang Perekonomian dan Sumber Daya Alam", S),
            ("Kepala Bidang Infrastruktur dan Kewilayahan", S),
            ("Kepala Bidang Penelitian dan Pengembangan", S),
        ],
        specialists: &[
            role("Perencana", A, F::General, 45),
            role("Perencana", A, F::Economics, 45),
            role("Statistisi", A, F::General, 50),
            role("Analis Kebijakan", A, F::General, 45),
        ],
        field: F::General,
        weight: 2,
    },
    OpdSpec {
        code: "BKPSDM",
        name: "Badan Kepegawaian dan Pengembangan Sumber Daya Manusia",
        head: "Kepala Badan Kepegawaian dan Pengembangan Sumber Daya Manusia",
        structural: &[
            ("Sekretaris Badan", S),
            ("Kepala Subbagian Umum dan Kepegawaian", J),
            ("Kepala Bidang Pengadaan, Pemberhentian dan Informasi", S),
            ("Kepala Bidang Mutasi dan Promosi", S),
            ("Kepala Bidang Pengembangan Kompetensi Aparatur", S),
            (
                "Kepala Bidang Penilaian Kinerja Aparatur dan Penghargaan",
                S,
            ),
        ],
        specialists: &[
            role("Analis Sumber Daya Manusia Aparatur", A, F::General, 55),
            role("Analis Sumber Daya Manusia Aparatur", T, F::General, 55),
            role("Asesor Sumber Daya Manusia Aparatur", A, F::General, 55),
            role("Pranata Komputer", T, F::It, 35),
        ],
        field: F::General,
        weight: 2,
    },
    OpdSpec {
        code: "BPKAD",
        name: "Badan Pengelolaan Keuangan dan Aset Daerah",
        head: "Kepala Badan Pengelolaan Keuangan dan Aset Daerah",
        structural: &[
            ("Sekretaris Badan", S),
            ("Kepala Subbagian Umum dan Kepegawaian", J),
            ("Kepala Bidang Anggaran", S),
            ("Kepala Bidang Perbendaharaan", S),
            ("Kepala Bidang Akuntansi dan Pelaporan", S),
            ("Kepala Bidang Aset Daerah", S),
        ],
        specialists: &[
            role("Analis Keuangan Pusat dan Daerah", A, F::Economics, 55),
            role("Analis Keuangan Pusat dan Daerah", A, F::Economics, 55),
            role("Penata Laporan Keuangan", P, F::Economics, 60),
            role("Pengelola Barang Milik Daerah", P, F::Economics, 40),
            role("Bendahara", P, F::Economics, 65),
        ],
        field: F::Economics,
        weight: 3,
    },
    OpdSpec {
        code: "BAPENDA",
        name: "Badan Pendapatan Daerah",
        head: "Kepala Badan Pendapatan Daerah",
        structural: &[
            ("Sekretaris Badan", S),
            ("Kepala Subbagian Umum dan Kepegawaian", J),
            ("Kepala Bidang Pendataan dan Penetapan", S),
            ("Kepala Bidang Penagihan dan Keberatan", S),
            ("Kepala Bidang Pengembangan dan Pengendalian Pendapatan", S),
        ],
        specialists: &[
            role("Analis Pendapatan Daerah", A, F::Economics, 50),
            role("Penilai Pajak Bumi dan Bangunan", A, F::Economics, 40),
            role("Petugas Penagihan Pajak Daerah", P, F::Economics, 35),
        ],
        field: F::Economics,
        weight: 2,
    },
    OpdSpec {
        code: "BPBD",
        name: "Badan Penanggulangan Bencana Daerah",
        head: "Kepala Pelaksana BPBD",
        structural: &[
            ("Sekretaris Badan", S),
            ("Kepala Bidang Pencegahan dan Kesiapsiagaan", S),
            ("Kepala Bidang Kedaruratan dan Logistik", S),
            ("Kepala Bidang Rehabilitasi dan Rekonstruksi", S),
        ],
        specialists: &[
            role("Analis Bencana", A, F::General, 35),
            role("Operator Pusat Pengendalian Operasi", P, F::General, 25),
            role("Petugas Tim Reaksi Cepat", P, F::General, 10),
        ],
        field: F::General,
        weight: 2,
    },
    OpdSpec {
        code: "KESBANGPOL",
        name: "Badan Kesatuan Bangsa dan Politik",
        head: "Kepala Badan Kesatuan Bangsa dan Politik",
        structural: &[
            ("Sekretaris Badan", S),
            (
                "Kepala Bidang Ideologi, Wawasan Kebangsaan dan Karakter Bangsa",
                S,
            ),
            (
                "Kepala Bidang Politik Dalam Negeri dan Organisasi Kemasyarakatan",
                S,
            ),
            (
                "Kepala Bidang Ketahanan Ekonomi, Sosial, Budaya dan Agama",
                S,
            ),
        ],
        specialists: &[
            role("Analis Kebijakan", A, F::General, 40),
            role("Penelaah Teknis Kebijakan", P, F::General, 45),
        ],
        field: F::General,
        weight: 1,
    },
    OpdSpec {
        code: "DISDIK",
        name: "Dinas Pendidikan",
        head: "Kepala Dinas Pendidikan",
        structural: &[
            ("Sekretaris Dinas", S),
            ("Kepala Subbagian Umum dan Kepegawaian", J),
            ("Kepala Bidang Pembinaan Sekolah Dasar", S),
            ("Kepala Bidang Pembinaan Sekolah Menengah Pertama", S),
            (
                "Kepala Bidang Pendidikan Anak Usia Dini dan Pendidikan Nonformal",
                S,
            ),
            ("Kepala Bidang Guru dan Tenaga Kependidikan", S),
            ("Kepala Subbagian Perencanaan dan Keuangan", J),
        ],
        specialists: &[
            role("Guru", A, F::Education, 65),
            role("Guru", A, F::Education, 65),
            role("Guru", A, F::Education, 65),
            role("Guru", A, F::Education, 65),
            role("Guru", A, F::Education, 65),
            role("Guru", A, F::Education, 65),
            role("Pengawas Sekolah", A, F::Education, 40),
            role("Penilik", A, F::Education, 45),
            role("Pamong Belajar", A, F::Education, 55),
            role("Pustakawan", T, F::Education, 70),
            role("Pranata Laboratorium Pendidikan", T, F::Education, 55),
        ],
        field: F::Education,
        weight: 12,
    },
    OpdSpec {
        code: "DINKES",
        name: "Dinas Kesehatan",
        head: "Kepala Dinas Kesehatan",
        structural: &[
            ("Sekretaris Dinas", S),
            ("Kepala Subbagian Umum dan Kepegawaian", J),
            ("Kepala Bidang Kesehatan Masyarakat", S),
            ("Kepala Bidang Pencegahan dan Pengendalian Penyakit", S),
            ("Kepala Bidang Pelayanan Kesehatan", S),
            ("Kepala Bidang Sumber Daya Kesehatan", S),
            ("Kepala Subbagian Perencanaan dan Keuangan", J),
        ],
        specialists: &[
            role("Dokter", A, F::Medical, 55),
            role("Dokter Gigi", A, F::Dental, 65),
            role("Perawat", A, F::Nursing, 70),
            role("Perawat", T, F::Nursing, 70),
            role("Bidan", T, F::Midwifery, 100),
            role("Bidan", A, F::Midwifery, 100),
            role("Epidemiolog Kesehatan", A, F::Health, 55),
            role("Sanitarian", T, F::Health, 50),
            role("Nutrisionis", T, F::Health, 80),
            role("Apoteker", A, F::Health, 75),
            role("Penyuluh Kesehatan Masyarakat", A, F::Health, 65),
        ],
        field: F::Health,
        weight: 7,
    },
    OpdSpec {
        code: "DPUPR",
        name: "Dinas Pekerjaan Umum dan Penataan Ruang",
        head: "Kepala Dinas Pekerjaan Umum dan Penataan Ruang",
        structural: &[
            ("Sekretaris Dinas", S),
            ("Kepala Subbagian Umum dan Kepegawaian", J),
            ("Kepala Bidang Bina Marga", S),
            ("Kepala Bidang Sumber Daya Air", S),
            ("Kepala Bidang Cipta Karya", S),
            ("Kepala Bidang Penataan Ruang", S),
        ],
        specialists: &[
            role("Teknik Jalan dan Jembatan", A, F::Engineering, 15),
            role("Teknik Jalan dan Jembatan", T, F::Engineering, 10),
            role("Teknik Pengairan", A, F::Engineering, 15),
            role("Penata Ruang", A, F::Engineering, 35),
            role("Teknik Tata Bangunan dan Perumahan", A, F::Engineering, 25),
            role("Pengawas Lapangan", P, F::Engineering, 5),
        ],
        field: F::Engineering,
        weight: 3,
    },
    OpdSpec {
        code: "DISHUB",
        name: "Dinas Perhubungan",
        head: "Kepala Dinas Perhubungan",
        structural: &[
            ("Sekretaris Dinas", S),
            ("Kepala Bidang Lalu Lintas dan Angkutan", S),
            ("Kepala Bidang Prasarana dan Keselamatan Transportasi", S),
            ("Kepala Seksi Pengujian Kendaraan Bermotor", J),
        ],
        specialists: &[
            role("Penguji Kendaraan Bermotor", T, F::Engineering, 10),
            role("Penguji Kendaraan Bermotor", A, F::Engineering, 15),
            role("Pengatur Lalu Lintas", P, F::General, 15),
        ],
        field: F::Engineering,
        weight: 2,
    },
    OpdSpec {
        code: "DINSOS",
        name: "Dinas Sosial",
        head: "Kepala Dinas Sosial",
        structural: &[
            ("Sekretaris Dinas", S),
            ("Kepala Bidang Perlindungan dan Jaminan Sosial", S),
            ("Kepala Bidang Rehabilitasi Sosial", S),
            (
                "Kepala Bidang Pemberdayaan Sosial dan Penanganan Fakir Miskin",
                S,
            ),
        ],
        specialists: &[
            role("Pekerja Sosial", A, F::General, 55),
            role("Pekerja Sosial", T, F::General, 55),
            role("Penyuluh Sosial", A, F::General, 55),
            role("Pendamping Rehabilitasi Sosial", P, F::General, 55),
        ],
        field: F::General,
        weight: 2,
    },
    OpdSpec {
        code: "DPMPTSP",
        name: "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu",
        head: "Kepala Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu",
        structural: &[
            ("Sekretaris Dinas", S),
            ("Kepala Bidang Penanaman Modal", S),
            ("Kepala Bidang Pelayanan Perizinan", S),
            (
                "Kepala Bidang Pengaduan, Kebijakan dan Pelaporan Layanan",
                S,
            ),
        ],
        specialists: &[
            role("Analis Penanaman Modal", A, F::Economics, 50),
            role("Penata Perizinan", P, F::General, 60),
            role("Analis Kebijakan", A, F::General, 45),
        ],
        field: F::Economics,
        weight: 2,
    },
    OpdSpec {
        code: "DISDUKCAPIL",
        name: "Dinas Kependudukan dan Pencatatan Sipil",
        head: "Kepala Dinas Kependudukan dan Pencatatan Sipil",
        structural: &[
            ("Sekretaris Dinas", S),
            ("Kepala Bidang Pelayanan Pendaftaran Penduduk", S),
            ("Kepala Bidang Pelayanan Pencatatan Sipil", S),
            (
                "Kepala Bidang Pengelolaan Informasi Administrasi Kependudukan",
                S,
            ),
            ("Kepala Bidang Pemanfaatan Data dan Inovasi Pelayanan", S),
        ],
        specialists: &[
            role("Administrator Database Kependudukan", A, F::It, 40),
            role("Administrator Database Kependudukan", T, F::It, 40),
            role("Pranata Komputer", T, F::It, 35),
            role(
                "Pengadministrasi Registrasi Kependudukan",
                P,
                F::General,
                60,
            ),
        ],
        field: F::It,
        weight: 3,
    },
    OpdSpec {
        code: "DISKOMINFO",
        name: "Dinas Komunikasi dan Informatika",
        head: "Kepala Dinas Komunikasi dan Informatika",
        structural: &[
            ("Sekretaris Dinas", S),
            ("Kepala Bidang Informasi dan Komunikasi Publik", S),
            ("Kepala Bidang Aplikasi Informatika", S),
            ("Kepala Bidang Persandian dan Statistik", S),
        ],
        specialists: &[
            role("Pranata Komputer", A, F::It, 35),
            role("Pranata Komputer", T, F::It, 35),
            role("Penata Kelola Sistem dan Teknologi Informasi", P, F::It, 35),
            role("Pranata Hubungan Masyarakat", A, F::General, 55),
            role("Sandiman", T, F::It, 25),
            role("Statistisi", A, F::General, 50),
        ],
        field: F::It,
        weight: 2,
    },
    OpdSpec {
        code: "DLH",
        name: "Dinas Lingkungan Hidup",
        head: "Kepala Dinas Lingkungan Hidup",
        structural: &[
            ("Sekretaris Dinas", S),
            ("Kepala Bidang Tata Lingkungan", S),
            ("Kepala Bidang Pengelolaan Sampah dan Limbah B3", S),
            (
                "Kepala Bidang Pengendalian Pencemaran dan Kerusakan Lingkungan",
                S,
            ),
        ],
        specialists: &[
            role("Pengendali Dampak Lingkungan", A, F::Engineering, 40),
            role("Pengawas Lingkungan Hidup", A, F::Engineering, 35),
            role("Pengawas Lapangan Persampahan", P, F::General, 10),
        ],
        field: F::Engineering,
        weight: 2,
    },
    OpdSpec {
        code: "DISTAN",
        name: "Dinas Pertanian",
        head: "Kepala Dinas Pertanian",
        structural: &[
            ("Sekretaris Dinas", S),
            ("Kepala Bidang Tanaman Pangan dan Hortikultura", S),
            ("Kepala Bidang Perkebunan", S),
            ("Kepala Bidang Peternakan dan Kesehatan Hewan", S),
            ("Kepala Bidang Penyuluhan", S),
        ],
        specialists: &[
            role("Penyuluh Pertanian", A, F::Agriculture, 30),
            role("Penyuluh Pertanian", T, F::Agriculture, 30),
            role("Penyuluh Pertanian", T, F::Agriculture, 30),
            role("Medik Veteriner", A, F::Agriculture, 45),
            role("Paramedik Veteriner", T, F::Agriculture, 30),
            role("Pengawas Mutu Hasil Pertanian", A, F::Agriculture, 40),
        ],
        field: F::Agriculture,
        weight: 3,
    },
    OpdSpec {
        code: "DISKAN",
        name: "Dinas Perikanan",
        head: "Kepala Dinas Perikanan",
        structural: &[
            ("Sekretaris Dinas", S),
            ("Kepala Bidang Perikanan Tangkap", S),
            ("Kepala Bidang Perikanan Budidaya", S),
            ("Kepala Bidang Pengolahan dan Pemasaran Hasil Perikanan", S),
        ],
        specialists: &[
            role("Penyuluh Perikanan", A, F::Agriculture, 30),
            role("Penyuluh Perikanan", T, F::Agriculture, 30),
            role("Pengendali Hama dan Penyakit Ikan", A, F::Agriculture, 40),
        ],
        field: F::Agriculture,
        weight: 1,
    },
    OpdSpec {
        code: "DISPERINDAG",
        name: "Dinas Perindustrian dan Perdagangan",
        head: "Kepala Dinas Perindustrian dan Perdagangan",
        structural: &[
            ("Sekretaris Dinas", S),
            ("Kepala Bidang Perindustrian", S),
            ("Kepala Bidang Perdagangan", S),
            ("Kepala Bidang Metrologi Legal", S),
        ],
        specialists: &[
            role("Penera", T, F::Engineering, 20),
            role("Penera", A, F::Engineering, 25),
            role("Analis Perdagangan", A, F::Economics, 50),
            role("Pengawas Mutu Barang", A, F::Economics, 45),
        ],
        field: F::Economics,
        weight: 2,
    },
    OpdSpec {
        code: "DISKOPUKM",
        name: "Dinas Koperasi dan Usaha Kecil Menengah",
        head: "Kepala Dinas Koperasi dan Usaha Kecil Menengah",
        structural: &[
            ("Sekretaris Dinas", S),
            ("Kepala Bidang Kelembagaan dan Pengawasan Koperasi", S),
            ("Kepala Bidang Pemberdayaan Usaha Mikro", S),
        ],
        specialists: &[
            role("Pengawas Koperasi", A, F::Economics, 50),
            role("Pendamping Usaha Mikro", P, F::Economics, 55),
        ],
        field: F::Economics,
        weight: 1,
    },
    OpdSpec {
        code: "DISPAR",
        name: "Dinas Pariwisata dan Kebudayaan",
        head: "Kepala Dinas Pariwisata dan Kebudayaan",
        structural: &[
            ("Sekretaris Dinas", S),
            ("Kepala Bidang Destinasi Pariwisata", S),
            ("Kepala Bidang Pemasaran Pariwisata dan Ekonomi Kreatif", S),
            ("Kepala Bidang Kebudayaan", S),
        ],
        specialists: &[
            role(
                "Adyatama Kepariwisataan dan Ekonomi Kreatif",
                A,
                F::General,
                55,
            ),
            role("Pamong Budaya", A, F::General, 50),
            role("Pengelola Objek Wisata", P, F::General, 40),
        ],
        field: F::General,
        weight: 1,
    },
    OpdSpec {
        code: "DISPORA",
        name: "Dinas Pemuda dan Olahraga",
        head: "Kepala Dinas Pemuda dan Olahraga",
        structural: &[
            ("Sekretaris Dinas", S),
            ("Kepala Bidang Kepemudaan", S),
            ("Kepala Bidang Keolahragaan", S),
        ],
        specialists: &[
            role("Analis Kebijakan", A, F::General, 40),
            role("Pengelola Sarana dan Prasarana Olahraga", P, F::General, 20),
        ],
        field: F::Education,
        weight: 1,
    },
    OpdSpec {
        code: "DP3A",
        name: "Dinas Pemberdayaan Perempuan dan Perlindungan Anak",
        head: "Kepala Dinas Pemberdayaan Perempuan dan Perlindungan Anak",
        structural: &[
            ("Sekretaris Dinas", S),
            ("Kepala Bidang Pemberdayaan Perempuan", S),
            ("Kepala Bidang Perlindungan Perempuan dan Anak", S),
            ("Kepala Bidang Pemenuhan Hak Anak", S),
        ],
        specialists: &[
            role("Analis Kebijakan", A, F::General, 70),
            role("Pekerja Sosial", A, F::General, 70),
            role("Psikolog Klinis", A, F::Health, 75),
        ],
        field: F::General,
        weight: 1,
    },
    OpdSpec {
        code: "DPMD",
        name: "Dinas Pemberdayaan Masyarakat dan Desa",
        head: "Kepala Dinas Pemberdayaan Masyarakat dan Desa",
        structural: &[
            ("Sekretaris Dinas", S),
            ("Kepala Bidang Pemerintahan Desa", S),
            ("Kepala Bidang Pemberdayaan Masyarakat Desa", S),
            ("Kepala Bidang Keuangan dan Aset Desa", S),
        ],
        specialists: &[
            role("Penggerak Swadaya Masyarakat", A, F::General, 40),
            role("Penggerak Swadaya Masyarakat", T, F::General, 40),
            role("Analis Kebijakan", A, F::General, 45),
        ],
        field: F::General,
        weight: 1,
    },
    OpdSpec {
        code: "DISNAKER",
        name: "Dinas Tenaga Kerja",
        head: "Kepala Dinas Tenaga Kerja",
        structural: &[
            ("Sekretaris Dinas", S),
            ("Kepala Bidang Pelatihan dan Penempatan Tenaga Kerja", S),
            ("Kepala Bidang Hubungan Industrial dan Jaminan Sosial", S),
        ],
        specialists: &[
            role("Mediator Hubungan Industrial", A, F::Law, 40),
            role("Pengantar Kerja", A, F::General, 50),
            role("Instruktur", T, F::Engineering, 25),
        ],
        field: F::General,
        weight: 1,
    },
    OpdSpec {
        code: "DISPERKIM",
        name: "Dinas Perumahan dan Kawasan Permukiman",
        head: "Kepala Dinas Perumahan dan Kawasan Permukiman",
        structural: &[
            ("Sekretaris Dinas", S),
            ("Kepala Bidang Perumahan", S),
            ("Kepala Bidang Kawasan Permukiman dan Pertanahan", S),
        ],
        specialists: &[
            role("Teknik Tata Bangunan dan Perumahan", A, F::Engineering, 25),
            role("Teknik Tata Bangunan dan Perumahan", T, F::Engineering, 20),
        ],
        field: F::Engineering,
        weight: 1,
    },
    OpdSpec {
        code: "DISARPUS",
        name: "Dinas Perpustakaan dan Kearsipan",
        head: "Kepala Dinas Perpustakaan dan Kearsipan",
        structural: &[
            ("Sekretaris Dinas", S),
            ("Kepala Bidang Perpustakaan", S),
            ("Kepala Bidang Kearsipan", S),
        ],
        specialists: &[
            role("Pustakawan", A, F::General, 65),
            role("Pustakawan", T, F::General, 65),
            role("Arsiparis", A, F::General, 60),
            role("Arsiparis", T, F::General, 60),
        ],
        field: F::General,
        weight: 1,
    },
    OpdSpec {
        code: "SATPOLPP",
        name: "Satuan Polisi Pamong Praja",
        head: "Kepala Satuan Polisi Pamong Praja",
        structural: &[
            ("Sekretaris Satuan", S),
            ("Kepala Bidang Penegakan Peraturan Daerah", S),
            (
                "Kepala Bidang Ketertiban Umum dan Ketenteraman Masyarakat",
                S,
            ),
            ("Kepala Bidang Perlindungan Masyarakat", S),
            ("Kepala Seksi Operasi dan Pengendalian", J),
        ],
        specialists: &[
            role("Polisi Pamong Praja", T, F::General, 15),
            role("Polisi Pamong Praja", T, F::General, 15),
            role("Polisi Pamong Praja", A, F::Law, 20),
            role("Pengelola Ketenteraman dan Ketertiban", P, F::General, 15),
        ],
        field: F::Law,
        weight: 3,
    },
    OpdSpec {
        code: "RSUD",
        name: "Rumah Sakit Umum Daerah Sukamaju Raya",
        head: "Direktur RSUD Sukamaju Raya",
        structural: &[
            ("Wakil Direktur Pelayanan", S),
            ("Wakil Direktur Umum dan Keuangan", S),
            ("Kepala Bidang Pelayanan Medik", S),
            ("Kepala Bidang Keperawatan", S),
            ("Kepala Bagian Umum dan Kepegawaian", S),
            ("Kepala Seksi Rekam Medik", J),
            ("Kepala Subbagian Keuangan", J),
        ],
        specialists: &[
            role("Dokter", A, F::Medical, 50),
            role("Dokter", A, F::Medical, 50),
            role("Perawat", A, F::Nursing, 70),
            role("Perawat", A, F::Nursing, 70),
            role("Perawat", T, F::Nursing, 70),
            role("Perawat", T, F::Nursing, 70),
            role("Bidan", T, F::Midwifery, 100),
            role("Bidan", A, F::Midwifery, 100),
            role("Apoteker", A, F::Health, 75),
            role("Asisten Apoteker", T, F::Health, 75),
            role("Radiografer", T, F::Health, 40),
            role("Pranata Laboratorium Kesehatan", T, F::Health, 65),
            role("Perekam Medis", T, F::Health, 65),
            role("Nutrisionis", T, F::Health, 80),
        ],
        field: F::Medical,
        weight: 8,
    },
    OpdSpec {
        code: "KEC-SUKAMAJU",
        name: "Kecamatan Sukamaju",
        head: "Camat Sukamaju",
        structural: KECAMATAN_UNITS,
        specialists: KECAMATAN_ROLES,
        field: F::General,
        weight: 2,
    },
    OpdSpec {
        code: "KEC-CIBENING",
        name: "Kecamatan Cibening",
        head: "Camat Cibening",
        structural: KECAMATAN_UNITS,
        specialists: KECAMATAN_ROLES,
        field: F::General,
        weight: 2,
    },
    OpdSpec {
        code: "KEC-KARANGSARI",
        name: "Kecamatan Karangsari",
        head: "Camat Karangsari",
        structural: KECAMATAN_UNITS,
        specialists: KECAMATAN_ROLES,
        field: F::General,
        weight: 2,
    },
    OpdSpec {
        code: "KEC-TANJUNGWANGI",
        name: "Kecamatan Tanjungwangi",
        head: "Camat Tanjungwangi",
        structural: KECAMATAN_UNITS,
        specialists: KECAMATAN_ROLES,
        field: F::General,
        weight: 2,
    },
    OpdSpec {
        code: "KEC-SUMBERAGUNG",
        name: "Kecamatan Sumberagung",
        head: "Camat Sumberagung",
        structural: KECAMATAN_UNITS,
        specialists: KECAMATAN_ROLES,
        field: F::General,
        weight: 2,
    },
    OpdSpec {
        code: "KEC-MEKARSARI",
        name: "Kecamatan Mekarsari",
        head: "Camat Mekarsari",
        structural: KECAMATAN_UNITS,
        specialists: KECAMATAN_ROLES,
        field: F::General,
        weight: 2,
    },
    OpdSpec {
        code: "KEL-PASIRLUHUR",
        name: "Kelurahan Pasirluhur",
        head: "Lurah Pasirluhur",
        structural: KELURAHAN_UNITS,
        specialists: KELURAHAN_ROLES,
        field: F::General,
        weight: 1,
    },
    OpdSpec {
        code: "KEL-SINDANGASRI",
        name: "Kelurahan Sindangasri",
        head: "Lurah Sindangasri",
        structural: KELURAHAN_UNITS,
        specialists: KELURAHAN_ROLES,
        field: F::General,
        weight: 1,
    },
    OpdSpec {
        code: "KEL-WARINGINJAYA",
        name: "Kelurahan Waringinjaya",
        head: "Lurah Waringinjaya",
        structural: KELURAHAN_UNITS,
        specialists: KELURAHAN_ROLES,
        field: F::General,
        weight: 1,
    },
];

/// Roles any ASN can hold in any OPD, so small offices still show variety.
const GENERIC_ASN_ROLES: &[Role] = &[
    role("Analis Kebijakan", A, F::General, 45),
    role("Perencana", A, F::General, 45),
    role("Analis Sumber Daya Manusia Aparatur", A, F::General, 55),
    role("Analis Keuangan Pusat dan Daerah", A, F::Economics, 55),
    role("Pranata Komputer", A, F::It, 35),
    role("Pranata Komputer", T, F::It, 35),
    role("Arsiparis", T, F::General, 60),
    role("Pengelola Pengadaan Barang/Jasa", A, F::Economics, 35),
    role("Penata Kelola Sistem dan Teknologi Informasi", P, F::It, 35),
    role("Penata Laporan Keuangan", P, F::Economics, 60),
    role("Pengadministrasi Perkantoran", P, F::General, 55),
    role("Pengolah Data dan Informasi", P, F::General, 50),
    role("Bendahara", P, F::Economics, 65),
    role("Pengelola Umum Operasional", P, F::General, 40),
];

const NON_ASN_ROLES: &[Role] = &[
    role("Staf Pelaksana", P, F::General, 45),
    role("Staf Pelaksana", P, F::General, 45),
    role("Tenaga Administrasi", P, F::General, 60),
    role("Operator Komputer", P, F::It, 50),
    role("Pengemudi", P, F::General, 0),
    role("Petugas Kebersihan", P, F::General, 40),
    role("Petugas Keamanan", P, F::General, 5),
    role("Pramu Bakti", P, F::General, 40),
];

// ---------------------------------------------------------------------------
// Ranks
// ---------------------------------------------------------------------------

/// PNS pangkat/golongan, lowest first; positions pick an index range.
const PNS_RANKS: [&str; 17] = [
    "Juru Muda (I/a)",
    "Juru Muda Tingkat I (I/b)",
    "Juru (I/c)",
    "Juru Tingkat I (I/d)",
    "Pengatur Muda (II/a)",
    "Pengatur Muda Tingkat I (II/b)",
    "Pengatur (II/c)",
    "Pengatur Tingkat I (II/d)",
    "Penata Muda (III/a)",
    "Penata Muda Tingkat I (III/b)",
    "Penata (III/c)",
    "Penata Tingkat I (III/d)",
    "Pembina (IV/a)",
    "Pembina Tingkat I (IV/b)",
    "Pembina Utama Muda (IV/c)",
    "Pembina Utama Madya (IV/d)",
    "Pembina Utama (IV/e)",
];
const RANK_IIA: usize = 4;
const RANK_IIC: usize = 6;
const RANK_IIIA: usize = 8;
const RANK_IIIB: usize = 9;
const RANK_IIIC: usize = 10;
const RANK_IIID: usize = 11;
const RANK_IVA: usize = 12;
const RANK_IVB: usize = 13;
const RANK_IVC: usize = 14;

const ROMAN: [&str; 17] = [
    "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII", "XIV", "XV",
    "XVI", "XVII",
];

/// Years of service typical for reaching a PNS rank, so a IV/c official does
/// not show a CPNS start of last year.
fn service_years(rank: usize) -> (u32, u32) {
    match rank {
        0..=RANK_IIIB => (0, 12),
        RANK_IIIC => (5, 20),
        RANK_IIID => (8, 25),
        RANK_IVA => (12, 30),
        RANK_IVB => (15, 32),
        _ => (18, 32),
    }
}

fn jenjang_pns(track: Track, rank: usize) -> &'static str {
    match (track, rank) {
        (Track::Ahli, r) if r <= RANK_IIIB => "Ahli Pertama",
        (Track::Ahli, r) if r <= RANK_IIID => "Ahli Muda",
        (Track::Ahli, _) => "Ahli Madya",
        (Track::Terampil, r) if r < RANK_IIIA => "Terampil",
        (Track::Terampil, r) if r <= RANK_IIIB => "Mahir",
        (Track::Terampil, _) => "Penyelia",
        (Track::Pelaksana, _) => "",
    }
}

// ---------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------

/// A naming tradition. `prefix_*` covers traditions where the name opens
/// with a fixed marker (Balinese "I"/"Ni"); `second_*` is the trailing part,
/// which is a marga/family name for some traditions and a second given name
/// for others.
struct NameGroup {
    prefix_male: &'static [&'static str],
    prefix_female: &'static [&'static str],
    given_male: &'static [&'static str],
    given_female: &'static [&'static str],
    second_male: &'static [&'static str],
    second_female: &'static [&'static str],
    /// Percent of people in this tradition whose name is a single word.
    single_pct: u32,
    /// Relative frequency in the roster.
    weight: u32,
}

const NAME_GROUPS: &[NameGroup] = &[
    // Javanese
    NameGroup {
        prefix_male: &[],
        prefix_female: &[],
        given_male: &[
            "Agus", "Bambang", "Budi", "Eko", "Hadi", "Heru", "Slamet", "Sugeng", "Wahyu", "Teguh",
            "Dwi", "Tri", "Adi", "Yudi", "Bayu", "Dimas", "Rizky", "Fajar", "Arif", "Imam",
        ],
        given_female: &[
            "Sri", "Endah", "Dewi", "Ratna", "Wulan", "Yuni", "Retno", "Rini", "Ani", "Siti",
            "Dwi", "Tri", "Indah", "Nur", "Ayu", "Wahyu", "Eka", "Fitri", "Puji", "Rahayu",
        ],
        second_male: &[
            "Santoso",
            "Prasetyo",
            "Setiawan",
            "Nugroho",
            "Wibowo",
            "Saputro",
            "Susanto",
            "Purnomo",
            "Hartono",
            "Kurniawan",
            "Raharjo",
            "Sutrisno",
            "Wicaksono",
            "Hidayat",
            "Pamungkas",
            "Utomo",
            "Suryono",
            "Haryanto",
        ],
        second_female: &[
            "Wahyuni",
            "Lestari",
            "Rahayu",
            "Handayani",
            "Purwanti",
            "Astuti",
            "Susanti",
            "Wulandari",
            "Kusumawati",
            "Rahmawati",
            "Utami",
            "Ningsih",
            "Pratiwi",
            "Suryani",
            "Mulyaningsih",
            "Setyaningrum",
        ],
        single_pct: 10,
        weight: 30,
    },
    // Sundanese
    NameGroup {
        prefix_male: &[],
        prefix_female: &[],
        given_male: &[
            "Asep", "Dede", "Ujang", "Cecep", "Dadang", "Yayat", "Iwan", "Rudi", "Ade", "Deden",
            "Jajang", "Engkos", "Ridwan", "Hendi", "Yana",
        ],
        given_female: &[
            "Euis", "Neneng", "Imas", "Iis", "Yanti", "Lilis", "Nining", "Cucu", "Eneng", "Tati",
            "Yeni", "Rina", "Nenden", "Elis",
        ],
        second_male: &[
            "Sutisna",
            "Hidayat",
            "Permana",
            "Kusnadi",
            "Supriatna",
            "Saepudin",
            "Ruhiyat",
            "Suherman",
            "Mulyana",
            "Sopandi",
            "Hermawan",
            "Kurnia",
            "Rustandi",
            "Sobari",
        ],
        second_female: &[
            "Nurhayati",
            "Komalasari",
            "Setiawati",
            "Kurniasih",
            "Rostini",
            "Sumiati",
            "Rosmiati",
            "Nurjanah",
            "Maryani",
            "Sukaesih",
            "Herawati",
            "Nuraeni",
        ],
        single_pct: 10,
        weight: 18,
    },
    // Batak
    NameGroup {
        prefix_male: &[],
        prefix_female: &[],
        given_male: &[
            "Hotman",
            "Ronald",
            "Togar",
            "Parlindungan",
            "Binsar",
            "Maruli",
            "Sahat",
            "Tumpal",
            "Robert",
            "Darwin",
            "Henri",
            "Jhonny",
            "Martua",
            "Poltak",
        ],
        given_female: &[
            "Rosmawati",
            "Lusiana",
            "Tiurma",
            "Rumondang",
            "Nurhaida",
            "Debora",
            "Sondang",
            "Maria",
            "Lenny",
            "Rotua",
            "Erna",
            "Masniari",
        ],
        second_male: BATAK_MARGA,
        second_female: BATAK_MARGA,
        single_pct: 0,
        weight: 10,
    },
    // Minang
    NameGroup {
        prefix_male: &[],
        prefix_female: &[],
        given_male: &[
            "Rizal",
            "Afrizal",
            "Syafrizal",
            "Zulkifli",
            "Hendri",
            "Yusrizal",
            "Irwan",
            "Darmawan",
            "Novrizal",
            "Erizal",
            "Zulfahmi",
            "Yuliandri",
        ],
        given_female: &[
            "Yusnidar",
            "Rosnita",
            "Nelvi",
            "Desmawati",
            "Yelni",
            "Fitri",
            "Mardiana",
            "Elvira",
            "Yulia",
            "Rahmi",
            "Nofriyanti",
        ],
        second_male: &[
            "Tanjung",
            "Chaniago",
            "Piliang",
            "Sikumbang",
            "Koto",
            "Jambak",
            "Putra",
            "Effendi",
            "Syahputra",
        ],
        second_female: &[
            "Tanjung",
            "Chaniago",
            "Piliang",
            "Sikumbang",
            "Koto",
            "Jambak",
            "Putri",
            "Yanti",
        ],
        single_pct: 25,
        weight: 8,
    },
    // Bugis-Makassar
    NameGroup {
        prefix_male: &[],
        prefix_female: &[],
        given_male: &[
            "Andi", "Muhammad", "Ahmad", "Abdul", "Syamsul", "Ansar", "Akbar", "Jufri", "Rusdi",
            "Hamzah",
        ],
        given_female: &[
            "Andi",
            "Sitti",
            "Nur",
            "Hasnah",
            "Rahmatia",
            "Jumriati",
            "Sukmawati",
            "Rosdiana",
        ],
        second_male: &[
            "Rahman",
            "Syamsuddin",
            "Arifin",
            "Amiruddin",
            "Baharuddin",
            "Nurdin",
            "Syarifuddin",
            "Rauf",
            "Saleh",
            "Yunus",
            "Mappe",
            "Tahir",
        ],
        second_female: &[
            "Hasmawati",
            "Darmawati",
            "Nurhayati",
            "Rahmawati",
            "Hasriani",
            "Nurjannah",
            "Mariani",
            "Syamsiah",
        ],
        single_pct: 10,
        weight: 8,
    },
    // Balinese
    NameGroup {
        prefix_male: &[
            "I Wayan", "I Putu", "I Gede", "I Made", "I Kadek", "I Nyoman", "I Komang", "I Ketut",
        ],
        prefix_female: &[
            "Ni Wayan",
            "Ni Putu",
            "Ni Luh",
            "Ni Made",
            "Ni Kadek",
            "Ni Nyoman",
            "Ni Komang",
            "Ni Ketut",
        ],
        given_male: &[
            "Sudarsana",
            "Artawan",
            "Suardana",
            "Wirawan",
            "Sudiarta",
            "Mahendra",
            "Adnyana",
            "Suparta",
            "Darmayasa",
            "Astawa",
            "Budiarsa",
            "Wiradana",
        ],
        given_female: &[
            "Suartini",
            "Sukmawati",
            "Ariani",
            "Darmayanti",
            "Sumiasih",
            "Widiastuti",
            "Sariasih",
            "Suwitri",
            "Ayu Lestari",
            "Wahyuni",
            "Yuliantari",
        ],
        second_male: &[],
        second_female: &[],
        single_pct: 100,
        weight: 5,
    },
    // Chinese-Indonesian
    NameGroup {
        prefix_male: &[],
        prefix_female: &[],
        given_male: &[
            "Hendra", "Kevin", "William", "Stefanus", "Yohanes", "Hendrik", "Jimmy", "Andreas",
            "Ferry", "Suryadi", "Rudy", "Johan",
        ],
        given_female: &[
            "Lina", "Susan", "Yuliana", "Meliana", "Veronika", "Jessica", "Lily", "Melinda",
            "Sandra", "Olivia", "Linda",
        ],
        second_male: CHINESE_INDONESIAN_SURNAMES,
        second_female: CHINESE_INDONESIAN_SURNAMES,
        single_pct: 0,
        weight: 5,
    },
    // Arabic-origin
    NameGroup {
        prefix_male: &[],
        prefix_female: &[],
        given_male: &[
            "Muhammad", "Ahmad", "Abdullah", "Hasan", "Husein", "Umar", "Faisal", "Fahmi", "Salim",
            "Zaki", "Hamid",
        ],
        given_female: &[
            "Fatimah", "Aisyah", "Khadijah", "Zainab", "Syarifah", "Nabila", "Salma", "Farah",
            "Maryam", "Rugayah",
        ],
        second_male: ARABIC_ORIGIN_FAMILIES,
        second_female: ARABIC_ORIGIN_FAMILIES,
        single_pct: 0,
        weight: 4,
    },
    // Minahasa
    NameGroup {
        prefix_male: &[],
        prefix_female: &[],
        given_male: &[
            "Stevanus",
            "Ferdinand",
            "Jefry",
            "Frangky",
            "Reinhard",
            "Marthen",
            "Novri",
            "Olvie",
        ],
        given_female: &[
            "Grace", "Meity", "Vivi", "Deisy", "Femmy", "Jeane", "Stella", "Irene",
        ],
        second_male: MINAHASA_FAMILIES,
        second_female: MINAHASA_FAMILIES,
        single_pct: 0,
        weight: 4,
    },
];

const BATAK_MARGA: &[&str] = &[
    "Siregar",
    "Simanjuntak",
    "Sitompul",
    "Nainggolan",
    "Hutapea",
    "Situmorang",
    "Pardede",
    "Sinaga",
    "Simatupang",
    "Lubis",
    "Nasution",
    "Harahap",
    "Manurung",
    "Tambunan",
    "Hutagalung",
    "Sihombing",
    "Pasaribu",
    "Silalahi",
    "Marpaung",
    "Sianturi",
];

const CHINESE_INDONESIAN_SURNAMES: &[&str] = &[
    "Wijaya", "Halim", "Gunawan", "Santoso", "Tanjaya", "Kusuma", "Hartanto", "Sutanto", "Lim",
    "Tan", "Liem", "Gozali", "Lukito", "Setiadi", "Tjandra",
];

const ARABIC_ORIGIN_FAMILIES: &[&str] = &[
    "Alatas",
    "Assegaf",
    "Alkaff",
    "Al Habsyi",
    "Basalamah",
    "Bafadal",
    "Alaydrus",
    "Bawazier",
    "Al Jufri",
    "Bin Thalib",
    "Bahasuan",
];

const MINAHASA_FAMILIES: &[&str] = &[
    "Pangemanan",
    "Lumentut",
    "Rumondor",
    "Wowor",
    "Tumbelaka",
    "Sondakh",
    "Mandagi",
    "Kaunang",
    "Lengkong",
    "Supit",
    "Rondonuwu",
    "Tumewu",
];

/// Well-known public figures whose names the part lists above could
/// recombine into. Best effort only: the point is that a demo screenshot
/// never shows a recognisable person, not to police every possible match.
const PUBLIC_FIGURES: &[&str] = &[
    "Ali Alatas",
    "Bambang Hartono",
    "Budi Gunawan",
    "Budi Hartono",
    "Dede Yusuf",
    "Dewi Lestari",
    "Hasan Basri",
    "Hendra Gunawan",
    "Hendra Setiawan",
    "Muhammad Yunus",
    "Ridwan Kamil",
    "Rudi Hartono",
    "Rudy Hartono",
    "Slamet Raharjo",
    "Susi Susanti",
    "Syamsul Arifin",
    "Taufik Hidayat",
    "Wahyu Setiawan",
];

// ---------------------------------------------------------------------------
// Academic titles
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Education {
    None,
    Diploma,
    Bachelor,
    Master,
    Doctorate,
}

struct Degrees {
    diploma: &'static [&'static str],
    bachelor: &'static [&'static str],
    master: &'static [&'static str],
}

fn degrees(field: Field) -> Degrees {
    match field {
        Field::General => Degrees {
            diploma: &["A.Md."],
            bachelor: &["S.Sos.", "S.IP.", "S.E.", "S.H.", "S.AP.", "S.Kom."],
            master: &["M.Si.", "M.M.", "M.AP."],
        },
        Field::Education => Degrees {
            diploma: &["A.Md.Pd."],
            bachelor: &["S.Pd.", "S.Pd.", "S.Pd.I."],
            master: &["M.Pd."],
        },
        Field::Health => Degrees {
            diploma: &["A.Md.Kes.", "A.Md.Farm."],
            bachelor: &["S.K.M.", "S.Farm."],
            master: &["M.Kes."],
        },
        // Doctors carry a "dr."/"drg." prefix instead; see `with_titles`.
        Field::Medical | Field::Dental => Degrees {
            diploma: &["A.Md.Kes."],
            bachelor: &[],
            master: &["M.Kes.", "M.M."],
        },
        Field::Nursing => Degrees {
            diploma: &["A.Md.Kep."],
            bachelor: &["S.Kep., Ners"],
            master: &["M.Kep."],
        },
        Field::Midwifery => Degrees {
            diploma: &["A.Md.Keb."],
            bachelor: &["S.Tr.Keb."],
            master: &["M.Keb."],
        },
        Field::Engineering => Degrees {
            diploma: &["A.Md.T."],
            bachelor: &["S.T."],
            master: &["M.T."],
        },
        Field::It => Degrees {
            diploma: &["A.Md.Kom.", "A.Md."],
            bachelor: &["S.Kom.", "S.T."],
            master: &["M.Kom.", "M.T."],
        },
        Field::Law => Degrees {
            diploma: &["A.Md."],
            bachelor: &["S.H."],
            master: &["M.H."],
        },
        Field::Economics => Degrees {
            diploma: &["A.Md.Ak.", "A.Md."],
            bachelor: &["S.E.", "S.Ak."],
            master: &["M.M.", "M.Si.", "M.Ak."],
        },
        Field::Agriculture => Degrees {
            diploma: &["A.Md.P."],
            bachelor: &["S.P.", "S.Pt."],
            master: &["M.P.", "M.Si."],
        },
    }
}

/// Formats a bare name with Indonesian-style titles, e.g.
/// "Dr. Budi Santoso, S.E., M.M." — prefixes before, degrees after commas.
fn with_titles(rng: &mut DemoRng, bare: &str, education: Education, field: Field) -> String {
    let deg = degrees(field);
    let mut prefixes: Vec<&str> = Vec::new();
    let mut suffixes: Vec<&str> = Vec::new();
    let professional_prefix = match field {
        Field::Medical => Some("dr."),
        Field::Dental => Some("drg."),
        _ => None,
    };

    if education == Education::Doctorate {
        prefixes.push("Dr.");
    }
    match education {
        Education::None => {}
        Education::Diploma => suffixes.push(*rng.pick(deg.diploma)),
        Education::Bachelor | Education::Master | Education::Doctorate => {
            if let Some(prefix) = professional_prefix {
                prefixes.push(prefix);
            } else {
                if field == Field::Engineering && rng.chance(20) {
                    // Professional engineers often also carry "Ir.".
                    prefixes.push("Ir.");
                }
                suffixes.push(*rng.pick(deg.bachelor));
            }
            if education != Education::Bachelor {
                suffixes.push(*rng.pick(deg.master));
            }
        }
    }

    let mut out = String::new();
    for p in &prefixes {
        out.push_str(p);
        out.push(' ');
    }
    out.push_str(bare);
    for s in &suffixes {
        out.push_str(", ");
        out.push_str(s);
    }
    out
}

// ---------------------------------------------------------------------------
// Generation
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Gender {
    Male,
    Female,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Category {
    Pns,
    Pppk,
    NonAsn,
}

impl Category {
    fn as_str(self) -> &'static str {
        match self {
            Category::Pns => CATEGORY_PNS,
            Category::Pppk => CATEGORY_PPPK,
            Category::NonAsn => CATEGORY_NON_ASN,
        }
    }
}

/// Province codes used for NIKs of non-ASN staff registered outside the
/// demo kabupaten.
const PROVINCE_CODES: &[u32] = &[
    11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 31, 32, 33, 34, 35, 36, 51, 52, 53, 61, 62, 63, 64, 65,
    71, 72, 73, 74, 75, 76, 81, 82, 91, 92, 94,
];

/// The demo kabupaten's own NIK region prefix. Jawa Barat's kabupaten codes
/// run 32.01–32.18, so 32.19 looks right but belongs to no real kabupaten.
const HOME_REGION: u32 = 3219;

fn is_leap(year: u32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        _ => 28,
    }
}

#[derive(Debug, Clone, Copy)]
struct Date {
    year: u32,
    month: u32,
    day: u32,
}

struct Generator {
    rng: DemoRng,
    used_ids: HashSet<String>,
    used_names: HashSet<String>,
}

/// What kind of slot an official fills; drives rank, education and gender.
#[derive(Clone, Copy)]
enum Slot {
    Head(&'static str),
    Structural(&'static str, Tier),
    Role(Role),
}

impl Generator {
    fn new(seed: u64) -> Self {
        Generator {
            rng: DemoRng::new(seed),
            used_ids: HashSet::new(),
            used_names: HashSet::new(),
        }
    }

    fn birth_date(&mut self, first_year: u32, last_year: u32) -> Date {
        let year = self.rng.range(first_year, last_year);
        let month = self.rng.range(1, 12);
        let day = self.rng.range(1, days_in_month(year, month));
        Date { year, month, day }
    }

    fn gender(&mut self, female_pct: u32) -> Gender {
        if self.rng.chance(female_pct) {
            Gender::Female
        } else {
            Gender::Male
        }
    }

    fn bare_name(&mut self, gender: Gender) -> String {
        // A few retries keep the roster free of exact duplicates (confusing
        // when clicking through a demo) without risking an endless loop on
        // a very large roster.
        let mut candidate = String::new();
        for _ in 0..8 {
            candidate = self.compose_name(gender);
            let famous = PUBLIC_FIGURES.iter().any(|f| candidate.contains(f));
            if !famous && !self.used_names.contains(&candidate) {
                break;
            }
        }
        while PUBLIC_FIGURES.iter().any(|f| candidate.contains(f)) {
            candidate = self.compose_name(gender);
        }
        self.used_names.insert(candidate.clone());
        candidate
    }

    fn compose_name(&mut self, gender: Gender) -> String {
        let total: u32 = NAME_GROUPS.iter().map(|g| g.weight).sum();
        let mut ticket = self.rng.range(0, total - 1);
        let mut group = &NAME_GROUPS[0];
        for g in NAME_GROUPS {
            if ticket < g.weight {
                group = g;
                break;
            }
            ticket -= g.weight;
        }
        let (prefixes, given, second) = match gender {
            Gender::Male => (group.prefix_male, group.given_male, group.second_male),
            Gender::Female => (group.prefix_female, group.given_female, group.second_female),
        };
        let mut parts: Vec<&str> = Vec::new();
        if !prefixes.is_empty() {
            parts.push(*self.rng.pick(prefixes));
        }
        let first = *self.rng.pick(given);
        parts.push(first);
        if !second.is_empty() && !self.rng.chance(group.single_pct) {
            let mut last = *self.rng.pick(second);
            // "Dwi Dwi" style repeats happen when a part list overlaps.
            while last == first {
                last = *self.rng.pick(second);
            }
            parts.push(last);
        }
        parts.join(" ")
    }

    /// Reserves `candidate` if unused. Identifier collisions are rare (random
    /// birth dates and serials), so callers simply redraw on `None`.
    fn claim(&mut self, candidate: String) -> Option<String> {
        if self.used_ids.insert(candidate.clone()) {
            Some(candidate)
        } else {
            None
        }
    }

    fn pns_nip(&mut self, rank: usize, gender: Gender, education: Education) -> String {
        // Graduates enter the civil service later than school leavers.
        let youngest_entry = match education {
            Education::None => 18,
            Education::Diploma => 21,
            _ => 23,
        };
        loop {
            let (min_service, max_service) = service_years(rank);
            let mut cpns_year = ROSTER_YEAR - self.rng.range(min_service, max_service);
            let age_at_entry = self.rng.range(youngest_entry, 35);
            let birth_year =
                (cpns_year - age_at_entry).clamp(OLDEST_BIRTH_YEAR, YOUNGEST_ASN_BIRTH_YEAR);
            cpns_year = cpns_year.max(birth_year + 18).min(ROSTER_YEAR);
            let birth = self.birth_date(birth_year, birth_year);
            let cpns_month = self.rng.range(1, 12);
            let serial = self.rng.range(1, 999);
            let nip = format_asn_id(birth, cpns_year, cpns_month, gender, serial);
            if let Some(nip) = self.claim(nip) {
                return nip;
            }
        }
    }

    fn pppk_nip(&mut self, gender: Gender) -> String {
        loop {
            let birth = self.birth_date(OLDEST_BIRTH_YEAR, YOUNGEST_ASN_BIRTH_YEAR);
            let year = self.rng.range(2021, ROSTER_YEAR);
            let month = self.rng.range(1, 12);
            let serial = self.rng.range(1, 999);
            let nip = format_asn_id(birth, year, month, gender, serial);
            if let Some(nip) = self.claim(nip) {
                return nip;
            }
        }
    }

    fn nik(&mut self, gender: Gender) -> String {
        loop {
            // Most honorer staff are local; some registered elsewhere.
            let region = if self.rng.chance(80) {
                HOME_REGION * 100 + self.rng.range(1, 6)
            } else {
                let province = *self.rng.pick(PROVINCE_CODES);
                (province * 100 + self.rng.range(1, 25)) * 100 + self.rng.range(1, 20)
            };
            let birth = self.birth_date(OLDEST_BIRTH_YEAR, YOUNGEST_NON_ASN_BIRTH_YEAR);
            let day = match gender {
                Gender::Male => birth.day,
                Gender::Female => birth.day + 40,
            };
            let serial = self.rng.range(1, 9999);
            let nik = format!(
                "{region:06}{day:02}{month:02}{yy:02}{serial:04}",
                month = birth.month,
                yy = birth.year % 100,
            );
            if let Some(nik) = self.claim(nik) {
                return nik;
            }
        }
    }

    fn education(&mut self, table: &[(Education, u32)]) -> Education {
        let roll = self.rng.range(0, 99);
        let mut acc = 0;
        for &(edu, pct) in table {
            acc += pct;
            if roll < acc {
                return edu;
            }
        }
        Education::None
    }

    fn official(&mut self, spec: &OpdSpec, slot: Slot, category: Category) -> DemoOfficial {
        use Education as E;
        // Structural and head posts usually draw on the OPD's own field,
        // but plenty of them are generalists.
        let opd_or_general = |rng: &mut DemoRng| {
            if rng.chance(60) {
                spec.field
            } else {
                Field::General
            }
        };

        let (position, rank, gender, education, field, pns_rank) = match (slot, category) {
            (Slot::Head(title), _) => {
                let rank = self.rng.range(RANK_IVA as u32, RANK_IVC as u32) as usize;
                let gender = self.gender(25);
                let edu = self.education(&[(E::Doctorate, 15), (E::Master, 65), (E::Bachelor, 20)]);
                let field = opd_or_general(&mut self.rng);
                (
                    title.to_string(),
                    Some(PNS_RANKS[rank].to_string()),
                    gender,
                    edu,
                    field,
                    rank,
                )
            }
            (Slot::Structural(title, tier), _) => {
                let (lo, hi, table): (usize, usize, &[(Education, u32)]) = match tier {
                    Tier::Senior => (
                        RANK_IIID,
                        RANK_IVB,
                        &[(E::Doctorate, 5), (E::Master, 50), (E::Bachelor, 45)],
                    ),
                    Tier::Junior => (
                        RANK_IIIB,
                        RANK_IIID,
                        &[(E::Master, 30), (E::Bachelor, 65), (E::Diploma, 5)],
                    ),
                };
                let rank = self.rng.range(lo as u32, hi as u32) as usize;
                let gender = self.gender(35);
                let edu = self.education(table);
                let field = opd_or_general(&mut self.rng);
                (
                    title.to_string(),
                    Some(PNS_RANKS[rank].to_string()),
                    gender,
                    edu,
                    field,
                    rank,
                )
            }
            (Slot::Role(role), Category::Pns) => {
                let (lo, hi) = match role.track {
                    Track::Ahli => (RANK_IIIA, RANK_IVB),
                    Track::Terampil => (RANK_IIC, RANK_IIID),
                    Track::Pelaksana => (RANK_IIA, RANK_IIIC),
                };
                let rank = self.rng.range(lo as u32, hi as u32) as usize;
                let position = graded(role.title, jenjang_pns(role.track, rank));
                let edu = self.role_education(role.track, rank >= RANK_IIIC);
                let gender = self.gender(role.female_pct);
                (
                    position,
                    Some(PNS_RANKS[rank].to_string()),
                    gender,
                    edu,
                    role.field,
                    rank,
                )
            }
            (Slot::Role(role), Category::Pppk) => {
                let (golongan, jenjang) = match role.track {
                    Track::Ahli => match self.rng.range(0, 99) {
                        0..=59 => (9, "Ahli Pertama"),
                        60..=74 => (10, "Ahli Pertama"),
                        75..=94 => (11, "Ahli Muda"),
                        _ => (12, "Ahli Muda"),
                    },
                    Track::Terampil => {
                        if self.rng.chance(70) {
                            (7, "Terampil")
                        } else {
                            (8, "Mahir")
                        }
                    }
                    Track::Pelaksana => {
                        if self.rng.chance(60) {
                            (5, "")
                        } else {
                            (7, "")
                        }
                    }
                };
                let position = graded(role.title, jenjang);
                let edu = self.role_education(role.track, golongan >= 11);
                let gender = self.gender(role.female_pct);
                let rank = format!("Golongan {}", ROMAN[golongan - 1]);
                // PPPK have no PNS rank index; the 0 is never used for an NIP.
                (position, Some(rank), gender, edu, role.field, 0)
            }
            (Slot::Role(role), Category::NonAsn) => {
                let gender = self.gender(role.female_pct);
                let edu = self.education(&[(E::Bachelor, 15), (E::Diploma, 10)]);
                (role.title.to_string(), None, gender, edu, role.field, 0)
            }
        };

        let nip = match category {
            Category::Pns => self.pns_nip(pns_rank, gender, education),
            Category::Pppk => self.pppk_nip(gender),
            Category::NonAsn => self.nik(gender),
        };
        let bare = self.bare_name(gender);
        let name = with_titles(&mut self.rng, &bare, education, field);

        DemoOfficial {
            nip,
            name,
            position,
            rank,
            category: category.as_str(),
            opd_code: spec.code.to_string(),
            is_head: matches!(slot, Slot::Head(_)),
        }
    }

    fn role_education(&mut self, track: Track, senior: bool) -> Education {
        use Education as E;
        match track {
            Track::Ahli if senior => self.education(&[(E::Master, 45), (E::Bachelor, 55)]),
            Track::Ahli => self.education(&[(E::Master, 15), (E::Bachelor, 85)]),
            Track::Terampil => self.education(&[(E::Diploma, 70), (E::Bachelor, 15)]),
            Track::Pelaksana => self.education(&[(E::Bachelor, 35), (E::Diploma, 20)]),
        }
    }

    /// How many officials each OPD gets: round-robin up to `MIN_PER_OPD`
    /// so every office is staffed (heads first), then the remainder by weight.
    fn allocate(&mut self, total: usize) -> Vec<usize> {
        let mut counts = vec![0usize; OPD_SPECS.len()];
        let mut left = total;
        for _ in 0..MIN_PER_OPD {
            for c in counts.iter_mut() {
                if left == 0 {
                    return counts;
                }
                *c += 1;
                left -= 1;
            }
        }
        let weight_sum: u32 = OPD_SPECS.iter().map(|s| s.weight).sum();
        for _ in 0..left {
            let mut ticket = self.rng.range(0, weight_sum - 1);
            for (i, spec) in OPD_SPECS.iter().enumerate() {
                if ticket < spec.weight {
                    counts[i] += 1;
                    break;
                }
                ticket -= spec.weight;
            }
        }
        counts
    }

    /// Category for every non-head official, dealt from a shuffled deck so
    /// the overall mix hits the 65/25/10 target exactly rather than only on
    /// average — small demo rosters would otherwise look lopsided.
    fn category_deck(&mut self, total: usize, heads: usize) -> Vec<Category> {
        let slots = total - heads;
        let non_asn = ((total * 10 + 50) / 100).min(slots);
        let pppk = ((total * 25 + 50) / 100).min(slots - non_asn);
        let mut deck = Vec::with_capacity(slots);
        deck.extend(std::iter::repeat_n(Category::NonAsn, non_asn));
        deck.extend(std::iter::repeat_n(Category::Pppk, pppk));
        deck.extend(std::iter::repeat_n(Category::Pns, slots - non_asn - pppk));
        self.rng.shuffle(&mut deck);
        deck
    }

    fn role_for(&mut self, spec: &OpdSpec, category: Category) -> Role {
        if category == Category::NonAsn {
            return *self.rng.pick(NON_ASN_ROLES);
        }
        if !spec.specialists.is_empty() && self.rng.chance(65) {
            *self.rng.pick(spec.specialists)
        } else {
            *self.rng.pick(GENERIC_ASN_ROLES)
        }
    }
}

fn graded(title: &str, jenjang: &str) -> String {
    if jenjang.is_empty() {
        title.to_string()
    } else {
        format!("{title} {jenjang}")
    }
}

/// 18-digit NIP / NI PPPK: birth YYYYMMDD, start YYYYMM, gender, serial.
fn format_asn_id(
    birth: Date,
    start_year: u32,
    start_month: u32,
    gender: Gender,
    serial: u32,
) -> String {
    let gender_digit = match gender {
        Gender::Male => 1,
        Gender::Female => 2,
    };
    format!(
        "{:04}{:02}{:02}{:04}{:02}{}{:03}",
        birth.year, birth.month, birth.day, start_year, start_month, gender_digit, serial
    )
}

impl DemoKabupaten {
    /// Builds the fictional kabupaten. The same `(seed, officials_count)`
    /// always yields the same result.
    ///
    /// Officials are spread so every OPD has at least three (its head first)
    /// whenever `officials_count` allows; with fewer than one official per
    /// OPD, the later OPDs in the list stay empty.
    pub fn generate(seed: u64, officials_count: usize) -> DemoKabupaten {
        let mut generator = Generator::new(seed);
        let counts = generator.allocate(officials_count);
        let heads = counts.iter().filter(|&&c| c > 0).count();
        let mut deck = generator.category_deck(officials_count, heads).into_iter();

        let mut officials = Vec::with_capacity(officials_count);
        for (spec, &count) in OPD_SPECS.iter().zip(&counts) {
            if count == 0 {
                continue;
            }
            officials.push(generator.official(spec, Slot::Head(spec.head), Category::Pns));

            // Structural posts are PNS-only and filled in listed order, so a
            // small OPD gets its Sekretaris before its fourth Kepala Bidang.
            let mut structural = Vec::new();
            let mut others = Vec::new();
            let mut next_unit = spec.structural.iter();
            for _ in 1..count {
                let category = deck.next().unwrap_or(Category::Pns);
                if category == Category::Pns && generator.rng.chance(60) {
                    if let Some(&(title, tier)) = next_unit.next() {
                        structural.push(generator.official(
                            spec,
                            Slot::Structural(title, tier),
                            category,
                        ));
                        continue;
                    }
                }
                let role = generator.role_for(spec, category);
                others.push(generator.official(spec, Slot::Role(role), category));
            }
            officials.extend(structural);
            officials.extend(others);
        }

        DemoKabupaten {
            name: KABUPATEN_NAME.to_string(),
            timezone: TIMEZONE,
            opds: OPD_SPECS
                .iter()
                .map(|s| DemoOpd {
                    code: s.code.to_string(),
                    name: s.name.to_string(),
                })
                .collect(),
            officials,
        }
    }

    /// The roster as CSV text with header
    /// `nip,name,position,rank,category,opd_code,opd_name`, one row per
    /// official. Written with the csv crate because names such as
    /// "Budi Santoso, S.E., M.M." contain commas and need quoting.
    pub fn roster_csv(&self) -> String {
        let opd_names: BTreeMap<&str, &str> = self
            .opds
            .iter()
            .map(|o| (o.code.as_str(), o.name.as_str()))
            .collect();
        let mut writer = csv::Writer::from_writer(Vec::new());
        // Writing to a Vec cannot hit an IO error and every record has the
        // same seven fields, so these can only fail on a programming error.
        writer
            .write_record([
                "nip", "name", "position", "rank", "category", "opd_code", "opd_name",
            ])
            .expect("csv header into memory");
        for o in &self.officials {
            let opd_name = opd_names.get(o.opd_code.as_str()).copied().unwrap_or("");
            writer
                .write_record([
                    o.nip.as_str(),
                    o.name.as_str(),
                    o.position.as_str(),
                    o.rank.as_deref().unwrap_or(""),
                    o.category,
                    o.opd_code.as_str(),
                    opd_name,
                ])
                .expect("csv record into memory");
        }
        let bytes = writer.into_inner().expect("flush csv into memory");
        String::from_utf8(bytes).expect("csv of UTF-8 fields is UTF-8")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn leap(y: u32) -> bool {
        (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
    }

    /// Independent of the generator's own calendar helper on purpose.
    fn real_date(y: u32, m: u32, d: u32) -> bool {
        let max = match m {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 => {
                if leap(y) {
                    29
                } else {
                    28
                }
            }
            _ => return false,
        };
        (1..=max).contains(&d)
    }

    fn num(s: &str) -> u32 {
        s.parse().unwrap()
    }

    fn check_asn_id(id: &str, category: &str) -> Result<(), String> {
        if id.len() != 18 || !id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("{id}: not 18 ASCII digits"));
        }
        let (by, bm, bd) = (num(&id[0..4]), num(&id[4..6]), num(&id[6..8]));
        if !(1930..=2015).contains(&by) || !real_date(by, bm, bd) {
            return Err(format!("{id}: bad birth date"));
        }
        let (sy, sm) = (num(&id[8..12]), num(&id[12..14]));
        if !(1..=12).contains(&sm) {
            return Err(format!("{id}: bad start month"));
        }
        match category {
            "PNS" => {
                if sy < by + 18 || sy > 2024 {
                    return Err(format!("{id}: bad CPNS year"));
                }
            }
            "PPPK" => {
                if !(2021..=2024).contains(&sy) {
                    return Err(format!("{id}: bad PPPK year"));
                }
            }
            other => return Err(format!("{id}: unexpected category {other}")),
        }
        if !matches!(&id[14..15], "1" | "2") {
            return Err(format!("{id}: bad gender digit"));
        }
        if !(1..=999).contains(&num(&id[15..18])) {
            return Err(format!("{id}: bad serial"));
        }
        Ok(())
    }

    fn check_nik(id: &str) -> Result<(), String> {
        if id.len() != 16 || !id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("{id}: not 16 ASCII digits"));
        }
        if !(11..=94).contains(&num(&id[0..2])) {
            return Err(format!("{id}: bad province"));
        }
        let (raw_day, month, yy) = (num(&id[6..8]), num(&id[8..10]), num(&id[10..12]));
        let day = if raw_day > 40 { raw_day - 40 } else { raw_day };
        // Two-digit years: any century must give a real date; check the one
        // the generator uses (19xx for yy >= 30, else 20xx).
        let year = if yy >= 30 { 1900 + yy } else { 2000 + yy };
        if !real_date(year, month, day) {
            return Err(format!("{id}: bad birth date"));
        }
        if !(1..=9999).contains(&num(&id[12..16])) {
            return Err(format!("{id}: bad serial"));
        }
        Ok(())
    }

    #[test]
    fn same_seed_same_output_and_different_seed_differs() {
        let a = DemoKabupaten::generate(42, 300);
        let b = DemoKabupaten::generate(42, 300);
        assert_eq!(a, b);
        assert_eq!(a.roster_csv(), b.roster_csv());
        let c = DemoKabupaten::generate(43, 300);
        assert_ne!(a.officials, c.officials);
    }

    #[test]
    fn rng_is_the_specified_sha256_stream() {
        let mut rng = DemoRng::new(7);
        let mut h = Sha256::new();
        h.update(7u64.to_le_bytes());
        h.update(0u64.to_le_bytes());
        let block = h.finalize();
        let mut first = [0u8; 8];
        first.copy_from_slice(&block[..8]);
        assert_eq!(rng.next_u64(), u64::from_le_bytes(first));
        for n in [1u64, 2, 3, 10, 1000] {
            for _ in 0..200 {
                assert!(rng.below(n) < n);
            }
        }
    }

    #[test]
    fn opds_are_many_valid_and_all_staffed_with_one_head() {
        let k = DemoKabupaten::generate(1, 600);
        assert_eq!(k.name, "Kabupaten Sukamaju Raya");
        assert_eq!(k.timezone, "Asia/Jakarta");
        assert!(k.opds.len() >= 30, "only {} OPDs", k.opds.len());
        let mut codes = HashSet::new();
        for opd in &k.opds {
            assert!(
                codes.insert(opd.code.as_str()),
                "duplicate code {}",
                opd.code
            );
            assert!(!opd.code.is_empty() && opd.code.len() <= 32, "{}", opd.code);
            assert!(
                opd.code
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b"._-".contains(&b)),
                "{}",
                opd.code
            );
            assert!(!opd.name.is_empty());
        }
        for needed in [
            "SETDA",
            "INSPEKTORAT",
            "DISDIK",
            "DINKES",
            "RSUD",
            "SATPOLPP",
        ] {
            assert!(codes.contains(needed), "missing {needed}");
        }
        assert!(
            k.opds
                .iter()
                .filter(|o| o.name.starts_with("Kecamatan "))
                .count()
                >= 3
        );
        assert!(k.opds.iter().any(|o| o.name.starts_with("Kelurahan ")));

        let mut per_opd: HashMap<&str, Vec<&DemoOfficial>> = HashMap::new();
        for o in &k.officials {
            assert!(
                codes.contains(o.opd_code.as_str()),
                "unknown OPD {}",
                o.opd_code
            );
            per_opd.entry(o.opd_code.as_str()).or_default().push(o);
        }
        for opd in &k.opds {
            let staff = per_opd
                .get(opd.code.as_str())
                .expect("OPD without officials");
            assert!(staff.len() >= 3, "{} has {}", opd.code, staff.len());
            assert_eq!(
                staff.iter().filter(|o| o.is_head).count(),
                1,
                "{}",
                opd.code
            );
            let head = staff[0];
            assert!(head.is_head, "{}: first official is not the head", opd.code);
            assert_eq!(head.category, "PNS");
            let rank = head.rank.as_deref().unwrap();
            assert!(
                ["(IV/a)", "(IV/b)", "(IV/c)"]
                    .iter()
                    .any(|g| rank.ends_with(g)),
                "head rank {rank}"
            );
        }
        let camat = k
            .officials
            .iter()
            .find(|o| o.opd_code == "KEC-SUKAMAJU")
            .unwrap();
        assert_eq!(camat.position, "Camat Sukamaju");
        let sekda = k.officials.iter().find(|o| o.opd_code == "SETDA").unwrap();
        assert_eq!(sekda.position, "Sekretaris Daerah");
    }

    #[test]
    fn category_mix_is_about_65_25_10() {
        for seed in [3, 99] {
            let k = DemoKabupaten::generate(seed, 600);
            assert_eq!(k.officials.len(), 600);
            let share =
                |cat: &str| k.officials.iter().filter(|o| o.category == cat).count() as f64 / 600.0;
            assert!((share("PNS") - 0.65).abs() < 0.05, "PNS {}", share("PNS"));
            assert!(
                (share("PPPK") - 0.25).abs() < 0.05,
                "PPPK {}",
                share("PPPK")
            );
            assert!(
                (share("NON_ASN") - 0.10).abs() < 0.04,
                "NON_ASN {}",
                share("NON_ASN")
            );
        }
    }

    #[test]
    fn ranks_match_category() {
        let k = DemoKabupaten::generate(5, 600);
        for o in &k.officials {
            match o.category {
                "PNS" => {
                    let r = o.rank.as_deref().unwrap();
                    assert!(PNS_RANKS.contains(&r), "{r}");
                }
                "PPPK" => {
                    let r = o.rank.as_deref().unwrap();
                    let roman = r.strip_prefix("Golongan ").unwrap();
                    assert!(ROMAN.contains(&roman), "{r}");
                    assert!(!o.position.starts_with("Kepala "), "PPPK in {}", o.position);
                }
                "NON_ASN" => assert_eq!(o.rank, None),
                other => panic!("category {other}"),
            }
        }
    }

    #[test]
    fn every_identifier_is_valid_and_unique() {
        for seed in [0, 1, 2, 12345, u64::MAX] {
            let k = DemoKabupaten::generate(seed, 600);
            let mut seen = HashSet::new();
            for o in &k.officials {
                let verdict = match o.category {
                    "NON_ASN" => check_nik(&o.nip),
                    cat => check_asn_id(&o.nip, cat),
                };
                if let Err(e) = verdict {
                    panic!("seed {seed}: {e} ({} / {})", o.name, o.position);
                }
                if o.category != "NON_ASN" {
                    // Tighter than the crate's 1930..=2015 acceptance range:
                    // demo officials should all be of working age.
                    let birth_year = num(&o.nip[0..4]);
                    assert!((1960..=2000).contains(&birth_year), "{}", o.nip);
                }
                assert!(seen.insert(o.nip.clone()), "duplicate id {}", o.nip);
            }
        }
    }

    #[test]
    fn validators_reject_bad_identifiers() {
        // Guards against a vacuous validator letting everything through.
        assert!(check_asn_id("198502292010011001", "PNS").is_err()); // 1985 not leap
        assert!(check_asn_id("198402292010011001", "PNS").is_ok()); // 1984 leap
        assert!(check_asn_id("198501012000011001", "PNS").is_err()); // CPNS at 15
        assert!(check_asn_id("198501012010013001", "PNS").is_err()); // gender 3
        assert!(check_asn_id("198501012010011000", "PNS").is_err()); // serial 000
        assert!(check_asn_id("198501012020011001", "PPPK").is_err()); // before 2021
        assert!(check_nik("3219014102900001").is_ok()); // woman, 1 Feb 1990
        assert!(check_nik("3219017102900001").is_err()); // day 31 in Feb
        assert!(check_nik("3219010113900001").is_err()); // month 13
        assert!(check_nik("0919010102900001").is_err()); // province 09
    }

    #[test]
    fn roster_csv_round_trips() {
        let k = DemoKabupaten::generate(8, 250);
        let text = k.roster_csv();
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
        assert_eq!(
            header,
            [
                "nip", "name", "position", "rank", "category", "opd_code", "opd_name"
            ]
        );
        let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
        assert_eq!(rows.len(), k.officials.len());
        for (row, o) in rows.iter().zip(&k.officials) {
            assert_eq!(&row[0], o.nip);
            assert_eq!(&row[1], o.name);
            assert_eq!(&row[2], o.position);
            assert_eq!(&row[3], o.rank.as_deref().unwrap_or(""));
            assert_eq!(&row[4], o.category);
            assert_eq!(&row[5], o.opd_code);
            let opd = k.opds.iter().find(|d| d.code == o.opd_code).unwrap();
            assert_eq!(&row[6], opd.name);
        }
    }

    #[test]
    fn names_with_commas_are_quoted() {
        let k = DemoKabupaten::generate(11, 200);
        let titled = k
            .officials
            .iter()
            .find(|o| o.name.contains(','))
            .expect("some official has a degree suffix");
        let text = k.roster_csv();
        assert!(
            text.contains(&format!("\"{}\"", titled.name)),
            "{}",
            titled.name
        );
    }

    #[test]
    fn names_look_like_people_and_avoid_public_figures() {
        let k = DemoKabupaten::generate(21, 2000);
        for o in &k.officials {
            assert!(!o.name.trim().is_empty());
            assert!(!o.name.contains("  "), "{}", o.name);
            for famous in PUBLIC_FIGURES {
                assert!(!o.name.contains(famous), "{}", o.name);
            }
        }
        let some_titles = k.officials.iter().filter(|o| o.name.contains(", ")).count();
        assert!(some_titles > 200 && some_titles < 2000, "{some_titles}");
    }

    fn is_female_id(o: &DemoOfficial) -> bool {
        if o.category == "NON_ASN" {
            num(&o.nip[6..8]) > 40
        } else {
            &o.nip[14..15] == "2"
        }
    }

    #[test]
    fn gender_digits_agree_with_names_and_roles() {
        let k = DemoKabupaten::generate(17, 1500);
        let mut checked = 0;
        for o in &k.officials {
            let mut bare = o.name.split(", ").next().unwrap();
            for prefix in ["Dr. ", "dr. ", "drg. ", "Ir. "] {
                bare = bare.strip_prefix(prefix).unwrap_or(bare);
            }
            if bare.starts_with("Ni ") || o.position.starts_with("Bidan") {
                assert!(is_female_id(o), "{} / {}", o.name, o.nip);
                checked += 1;
            }
            if bare.starts_with("I ") || o.position == "Pengemudi" {
                assert!(!is_female_id(o), "{} / {}", o.name, o.nip);
                checked += 1;
            }
        }
        assert!(checked > 20, "only {checked} gendered names checked");
    }

    #[test]
    fn small_rosters_do_not_panic_and_keep_heads_first() {
        for n in [0, 1, 5, 39, 40, 41, 119, 120, 121] {
            let k = DemoKabupaten::generate(9, n);
            assert_eq!(k.officials.len(), n);
            let staffed = k
                .opds
                .iter()
                .filter(|o| k.officials.iter().any(|x| x.opd_code == o.code));
            for opd in staffed {
                let first = k.officials.iter().find(|x| x.opd_code == opd.code).unwrap();
                assert!(first.is_head, "n={n} {}", opd.code);
            }
        }
    }
}
