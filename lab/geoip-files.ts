// The lab's GeoIP databases: one mmdb with GeoLite2-ASN-style records and one with GeoLite2-Country-style
// records for the ISP blocks, for the signal server's --geoip-asn / --geoip-country. Home subnets and the
// services link are left out: a lookup of them misses, as a private address does in a real database.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IspPlan } from './address-plan';
import { writeMmdb } from './mmdb-writer';

export interface GeoipFiles {
  /** Records `{ autonomous_system_number, autonomous_system_organization }`. */
  asn: string;
  /** Records `{ country: { iso_code, names: { en } } }`. */
  country: string;
}

const COUNTRY_NAMES: Record<string, string> = {
  DE: 'Germany',
  FR: 'France',
  NL: 'Netherlands',
  PL: 'Poland',
  SE: 'Sweden',
  IT: 'Italy',
  ES: 'Spain',
  AT: 'Austria',
};

/** Writes `lab-asn.mmdb` and `lab-country.mmdb` into `dir`. */
export function writeGeoipFiles(isps: IspPlan[], dir: string): GeoipFiles {
  const files = { asn: join(dir, 'lab-asn.mmdb'), country: join(dir, 'lab-country.mmdb') };
  const asn = writeMmdb({
    databaseType: 'Peerlane-Lab-ASN',
    description: 'Peerlane network lab: ASN of each lab ISP block',
    networks: isps.map((isp) => ({
      cidr: isp.block,
      record: { autonomous_system_number: isp.asn, autonomous_system_organization: isp.organization },
    })),
  });
  const country = writeMmdb({
    databaseType: 'Peerlane-Lab-Country',
    description: 'Peerlane network lab: country of each lab ISP block',
    networks: isps.map((isp) => ({
      cidr: isp.block,
      record: {
        country: { iso_code: isp.country, names: { en: COUNTRY_NAMES[isp.country] ?? isp.country } },
      },
    })),
  });
  writeFileSync(files.asn, asn);
  writeFileSync(files.country, country);
  return files;
}
