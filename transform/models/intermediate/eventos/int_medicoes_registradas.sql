-- The days on which a person's weight and height, or blood pressure, were measured
-- (QUALIDADE_APS.md section 2.3, pitfall P8: days, not rows, and weight and height may come
-- from different records of one day). Sources: the FAI, the escuta inicial and procedure
-- attendances (tb_fat_proced_atend), the home visit, and procedures performed (0101040024 both,
-- 0101040083 weight, 0101040075 height, 0301100039/ABPG033 blood pressure, 0301010269 growth
-- assessment in puericultura). Each measure counts only when its professional's CBO is in the
-- practice's set (conjunto_cbo: antropometria, afericao_pa; medico_enfermeiro for 0301010269).
-- One row per person and day with at least one of the three.
with

atendimentos as (

    select * from {{ ref('stg_pec__fat_atendimento_individual') }}
    where {{ escopo_municipio() }}

),

atendimentos_procedimento as (

    select * from {{ ref('stg_pec__fat_proced_atend') }}
    where {{ escopo_municipio() }}

),

visitas as (

    select * from {{ ref('stg_pec__fat_visita_domiciliar') }}
    where {{ escopo_municipio() }}

),

procedimentos as (

    select * from {{ ref('int_procedimentos_registrados') }}
    where
        {{ escopo_municipio() }}
        and modo = 'realizado'
        and origem = 'procedimento'
        and procedimento in (
            'antropometria', 'peso', 'altura', 'afericao_pa', 'crescimento_puericultura'
        )

),

cidadaos_unificados as (

    select * from {{ ref('int_cidadaos_unificados') }}
    where {{ escopo_municipio() }}

),

cbos as (

    select * from {{ ref('stg_pec__dim_cbo') }}
    where {{ escopo_municipio() }}

),

registros as (

    select
        co_municipio_ibge,
        co_fat_cidadao_pec,
        dt_atendimento as dt_registro,
        co_dim_cbo_1 as co_dim_cbo,
        coalesce(nu_peso > 0, false) as has_peso,
        coalesce(nu_altura > 0, false) as has_altura,
        coalesce(nu_pressao_sistolica > 0 and nu_pressao_diastolica > 0, false) as has_pressao
    from atendimentos

    union all

    select
        co_municipio_ibge,
        co_fat_cidadao_pec,
        dt_atendimento as dt_registro,
        co_dim_cbo,
        coalesce(nu_peso > 0, false) as has_peso,
        coalesce(nu_altura > 0, false) as has_altura,
        coalesce(nu_pressao_sistolica > 0 and nu_pressao_diastolica > 0, false) as has_pressao
    from atendimentos_procedimento

    union all

    select
        co_municipio_ibge,
        co_fat_cidadao_pec,
        dt_visita as dt_registro,
        co_dim_cbo,
        coalesce(nu_peso > 0, false) as has_peso,
        coalesce(nu_altura > 0, false) as has_altura,
        coalesce(
            nu_medicao_pressao_arterial ~ '^\s*[0-9]{2,3}\s*[/xX]\s*[0-9]{2,3}\s*$', false
        ) as has_pressao
    from visitas

),

medidas_registradas as (

    select
        registros.co_municipio_ibge,
        cidadaos_unificados.co_pessoa,
        registros.dt_registro,
        registros.has_peso and {{ tem_cbo('antropometria', 'cbos.nu_cbo') }} as has_peso,
        registros.has_altura and {{ tem_cbo('antropometria', 'cbos.nu_cbo') }} as has_altura,
        registros.has_pressao and {{ tem_cbo('afericao_pa', 'cbos.nu_cbo') }} as has_pressao,
        false as has_avaliacao_crescimento
    from registros
    inner join cidadaos_unificados
        on
            registros.co_municipio_ibge = cidadaos_unificados.co_municipio_ibge
            and registros.co_fat_cidadao_pec = cidadaos_unificados.co_seq_fat_cidadao_pec
    left join cbos
        on
            registros.co_municipio_ibge = cbos.co_municipio_ibge
            and registros.co_dim_cbo = cbos.co_seq_dim_cbo
    where
        registros.dt_registro is not null
        and (registros.has_peso or registros.has_altura or registros.has_pressao)

    union all

    select
        co_municipio_ibge,
        co_pessoa,
        dt_procedimento as dt_registro,
        procedimento in ('antropometria', 'peso') and {{ tem_cbo('antropometria') }} as has_peso,
        procedimento in ('antropometria', 'altura') and {{ tem_cbo('antropometria') }}
            as has_altura,
        procedimento = 'afericao_pa' and {{ tem_cbo('afericao_pa') }} as has_pressao,
        procedimento = 'crescimento_puericultura' and {{ tem_cbo('medico_enfermeiro') }}
            as has_avaliacao_crescimento
    from procedimentos
    where dt_procedimento is not null

),

final as (

    select
        co_municipio_ibge,
        co_pessoa,
        dt_registro,
        bool_or(has_peso) and bool_or(has_altura) as is_antropometria,
        bool_or(has_avaliacao_crescimento) as is_avaliacao_crescimento,
        bool_or(has_pressao) as is_afericao_pa
    from medidas_registradas
    group by co_municipio_ibge, co_pessoa, dt_registro
    having
        (bool_or(has_peso) and bool_or(has_altura))
        or bool_or(has_avaliacao_crescimento)
        or bool_or(has_pressao)

)

select * from final
